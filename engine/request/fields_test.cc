#include "engine/request/fields.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/request/json_fields.h"

namespace inferno::request {
namespace {

namespace json = boost::json;

// A JSON body's error for `field` set to `value` in the flat (OpenAI, /chat) shape.
std::optional<RequestError> Flat(const std::string& body, GenerateRequest* req = nullptr) {
  GenerateRequest scratch;
  return ReadFlatJson(json::parse(body).as_object(), req ? req : &scratch);
}

std::string FlatMessage(const std::string& body) {
  std::optional<RequestError> err = Flat(body);
  return err ? err->message : "";
}

TEST(RequestFields, NamesAreUniquePerGroupAndFlagsUnique) {
  std::set<std::pair<int, std::string_view>> names;
  std::set<std::string_view> flags;
  for (const Field& f : Fields()) {
    EXPECT_TRUE(names.insert({int(f.group), f.name}).second) << f.name;
    if (!f.cli.empty()) {
      EXPECT_TRUE(flags.insert(f.cli).second) << f.cli;
    }
    EXPECT_FALSE(f.doc.empty()) << f.name;
    EXPECT_LE(f.min, f.max) << f.name;
  }
}

TEST(RequestFields, DefaultsAreGenerateRequestsAndWithinBounds) {
  const GenerateRequest defaults;
  for (const Field& f : Fields()) {
    GenerateRequest req;
    // Setting a field to its default through the table checks it and changes nothing.
    const Value v = f.get(defaults);
    ASSERT_TRUE(SetChecked(f, v, &req).ok()) << f.name;
    EXPECT_EQ(ToNestedJson(req), ToNestedJson(defaults)) << f.name;
  }
  EXPECT_EQ(DefaultText(*FindField("temperature", Group::kSampling)), "0.8");
  EXPECT_EQ(DefaultText(*FindField("max_tokens", Group::kTop)), "128");
  EXPECT_EQ(DefaultText(*FindField("seed", Group::kSampling)), "-1");
}

TEST(RequestFields, EveryBoundIsEnforcedWithOneMessage) {
  for (const Field& f : Fields()) {
    if (f.type != FieldType::kNumber && f.type != FieldType::kInteger) continue;
    if (f.name == "seed") continue;  // the whole int64 range
    const std::string name(f.name);
    GenerateRequest req;
    Value in_range;
    in_range.number = f.max;
    in_range.integer = int64_t(f.max);
    EXPECT_TRUE(SetChecked(f, in_range, &req).ok()) << name;
    in_range.number = f.min;
    in_range.integer = int64_t(f.min);
    EXPECT_TRUE(SetChecked(f, in_range, &req).ok()) << name;
    Value above = in_range, below = in_range;
    above.number = f.max + 0.5;
    above.integer = int64_t(f.max) + 1;
    below.number = f.min - 0.5;
    below.integer = int64_t(f.min) - 1;
    for (const Value& bad : {above, below}) {
      const Status st = SetChecked(f, bad, &req);
      EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << name;
      EXPECT_EQ(st.message(), BoundsMessage(f.name, f.min, f.max, f.type == FieldType::kInteger));
    }
  }
}

TEST(RequestFields, TheUnifiedBounds) {
  EXPECT_EQ(FlatMessage(R"({"temperature":2.5})"), "'temperature' must be between 0 and 2");
  EXPECT_EQ(FlatMessage(R"({"top_k":2000000})"), "'top_k' must be between 0 and 1048576");
  EXPECT_EQ(FlatMessage(R"({"top_p":1.5})"), "'top_p' must be between 0 and 1");
  EXPECT_EQ(FlatMessage(R"({"min_p":-0.1})"), "'min_p' must be between 0 and 1");
  EXPECT_EQ(FlatMessage(R"({"repeat_penalty":0})"), "'repeat_penalty' must be between 0.01 and 10");
  EXPECT_EQ(FlatMessage(R"({"presence_penalty":3})"),
            "'presence_penalty' must be between -2 and 2");
  EXPECT_EQ(FlatMessage(R"({"frequency_penalty":-3})"),
            "'frequency_penalty' must be between -2 and 2");
  EXPECT_EQ(FlatMessage(R"({"repeat_last_n":-1})"),
            "'repeat_last_n' must be between 0 and 1048576");
  EXPECT_EQ(FlatMessage(R"({"max_tokens":0})"), "'max_tokens' must be between 1 and 1048576");
  EXPECT_EQ(FlatMessage(R"({"stop":["a","b","c","d","e"]})"),
            "'stop' must be a string or up to 4 strings");
}

TEST(RequestFields, WrongJsonTypesNameTheField) {
  std::optional<RequestError> err = Flat(R"({"temperature":"hot"})");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, ErrorCode::kInvalidField);
  EXPECT_EQ(err->field, "temperature");
  EXPECT_EQ(err->message, "'temperature' must be a number");
  EXPECT_EQ(FlatMessage(R"({"top_k":1.5})"), "'top_k' must be an integer");
  EXPECT_EQ(FlatMessage(R"({"ignore_eos":1})"), "'ignore_eos' must be true or false");
  EXPECT_EQ(FlatMessage(R"({"stop":[1]})"), "'stop' must be a string or up to 4 strings");
  EXPECT_EQ(FlatMessage(R"({"seed":"x"})"), "'seed' must be an integer");
  EXPECT_EQ(FlatMessage(R"({"seed":18000000000000000000})"), "'seed' must be an integer");
}

TEST(RequestFields, FlatReaderSetsEveryKindAndKeepsAbsentOnes) {
  GenerateRequest req;
  ASSERT_FALSE(Flat(R"({"temperature":0,"top_k":5,"max_tokens":7.0,"stop":"x","ignore_eos":true,
                      "seed":42,"top_p":null,"unknown":1})",
                    &req));
  EXPECT_EQ(req.sampling.temperature, 0.f);
  EXPECT_EQ(req.sampling.top_k, 5);
  EXPECT_EQ(req.max_tokens, 7);
  EXPECT_EQ(req.stop, std::vector<std::string>{"x"});
  EXPECT_TRUE(req.ignore_eos);
  EXPECT_EQ(req.sampling.seed, 42u);
  EXPECT_EQ(req.sampling.top_p, GenerateRequest{}.sampling.top_p);
  // Probes are not flat fields.
  ASSERT_FALSE(Flat(R"({"full_logits":true})", &req));
  EXPECT_FALSE(req.probes.full_logits);
}

TEST(RequestFields, SeedMinusOneIsRandomAndTheSentinelIsMovedOff) {
  GenerateRequest req;
  ASSERT_FALSE(Flat(R"({"seed":-1})", &req));
  EXPECT_EQ(req.sampling.seed, SamplingParams::kRandomSeed);
  ASSERT_FALSE(Flat(R"({"seed":4294967295})", &req));
  EXPECT_EQ(req.sampling.seed, 0u);
}

TEST(RequestFields, NestedGroupsReadTheSameDeclarations) {
  GenerateRequest req;
  const json::object sampling = json::parse(R"({"temperature":3})").as_object();
  std::optional<RequestError> err = ReadJsonGroup(sampling, Group::kSampling, &req, "sampling.");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->field, "sampling.temperature");
  EXPECT_EQ(err->message, "'temperature' must be between 0 and 2");
  const json::object probes =
      json::parse(R"({"top_k":7,"full_logits":true,"prompt_surprisal":true})").as_object();
  ASSERT_FALSE(ReadJsonGroup(probes, Group::kProbes, &req, "probes."));
  EXPECT_EQ(req.top_k_events, 7);
  EXPECT_TRUE(req.probes.full_logits);
  EXPECT_TRUE(req.probes.prompt_surprisal);
  err = ReadJsonGroup(json::parse(R"({"top_k":101})").as_object(), Group::kProbes, &req, "probes.");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "'top_k' must be between 0 and 100");
}

TEST(RequestFields, TextReaderForTheCommandLine) {
  GenerateRequest req;
  const Field& temp = *FindField("temperature", Group::kSampling);
  EXPECT_TRUE(SetFromText(temp, {"0.25"}, &req).ok());
  EXPECT_EQ(req.sampling.temperature, 0.25f);
  EXPECT_EQ(SetFromText(temp, {"7"}, &req).message(), "'temperature' must be between 0 and 2");
  EXPECT_EQ(SetFromText(temp, {"warm"}, &req).message(), "'temperature' must be a number");
  const Field& top_k = *FindField("top_k", Group::kSampling);
  EXPECT_EQ(SetFromText(top_k, {"4x"}, &req).message(), "'top_k' must be an integer");
  EXPECT_EQ(SetFromText(top_k, {"-1"}, &req).message(), "'top_k' must be between 0 and 1048576");
  const Field& stop = *FindField("stop", Group::kTop);
  EXPECT_TRUE(SetFromText(stop, {"a", "b"}, &req).ok());
  EXPECT_EQ(req.stop.size(), 2u);
  const Field& seed = *FindField("seed", Group::kSampling);
  EXPECT_TRUE(SetFromText(seed, {"-1"}, &req).ok());
  EXPECT_EQ(req.sampling.seed, SamplingParams::kRandomSeed);
}

TEST(RequestFields, NestedWriterRoundTrips) {
  GenerateRequest req;
  req.max_tokens = 9;
  req.sampling.temperature = 0.3f;
  req.stop = {"\n"};
  req.top_k_events = 4;
  const json::object o = ToNestedJson(req);
  EXPECT_EQ(o.at("sampling").at("temperature"), 0.3);
  GenerateRequest back;
  ASSERT_FALSE(ReadJsonGroup(o, Group::kTop, &back));
  ASSERT_FALSE(ReadJsonGroup(o.at("sampling").as_object(), Group::kSampling, &back));
  ASSERT_FALSE(ReadJsonGroup(o.at("probes").as_object(), Group::kProbes, &back));
  EXPECT_EQ(ToNestedJson(back), o);
}

// logit_bias: a JSON object of token ids, "ID=BIAS" flags, and back to JSON for the WS.
TEST(RequestFields, LogitBiasMapsTokenIdsToBoundedBiases) {
  GenerateRequest req;
  ASSERT_FALSE(Flat(R"({"logit_bias":{"3":-100,"42":0.5}})", &req));
  const std::vector<std::pair<int32_t, float>> want = {{3, -100.0f}, {42, 0.5f}};
  EXPECT_EQ(req.sampling.logit_bias, want);
  EXPECT_EQ(json::serialize(ToNestedJson(req).at("sampling").at("logit_bias")),
            R"({"3":-1E2,"42":5E-1})");
  EXPECT_EQ(FlatMessage(R"({"logit_bias":{"3":-101}})"),
            "'logit_bias' biases must be between -100 and 100");
  EXPECT_EQ(FlatMessage(R"({"logit_bias":{"-3":1}})"),
            "'logit_bias' must map token ids to numbers ({\"15043\": -100})");
  EXPECT_NE(FlatMessage(R"({"logit_bias":{"x":1}})"), "");
  EXPECT_NE(FlatMessage(R"({"logit_bias":{"3":"1"}})"), "");
  EXPECT_NE(FlatMessage(R"({"logit_bias":5})"), "");

  const Field& f = *FindField("logit_bias", Group::kSampling);
  GenerateRequest cli;
  ASSERT_TRUE(SetFromText(f, {"7=2.5", "9=-100"}, &cli).ok());
  const std::vector<std::pair<int32_t, float>> flags = {{7, 2.5f}, {9, -100.0f}};
  EXPECT_EQ(cli.sampling.logit_bias, flags);
  EXPECT_FALSE(SetFromText(f, {"7"}, &cli).ok());
  EXPECT_FALSE(SetFromText(f, {"7=x"}, &cli).ok());
  EXPECT_FALSE(SetFromText(f, {"7=200"}, &cli).ok());
}

}  // namespace
}  // namespace inferno::request
