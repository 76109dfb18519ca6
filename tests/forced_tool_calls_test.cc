// Forced tool calls (tool_choice "required" and named) in every family's syntax, whatever the
// model: the zoo's random-weight models, each given a real chat template of the family
// (../shared/fixtures/templates), sample at temperature 1 with several seeds, and each reply
// must be one call that the family's parser reads, named as asked (or among the tools), whose
// arguments validate against the tool's schema. The schemas are bounded (maxLength, enum,
// integer ranges) so that a model writing at random still ends.
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/request/prepare.h"
#include "engine/request/tool_calls.h"
#include "tests/served_test.h"
#include "tests/session_runner.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using request::ToolFormat;
using testing::HttpResponse;

const fs::path kZoo = fs::path(INFERNO_ZOO_DIR) / "zoo";
const fs::path kTemplates = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "templates" / "jinja";

struct Family {
  const char* id;     // the served model's id
  const char* zoo;    // the random-weight model
  const char* jinja;  // the family's real template
  ToolFormat format;  // what the template must be detected as
};

const Family kFamilies[] = {
    {"harmony", "gpt-oss-tiny-F16.gguf", "openai-gpt-oss-120b.jinja", ToolFormat::kHarmony},
    {"qwen35", "qwen35-tiny-Q8_0.gguf", "Qwen3.5-4B.jinja", ToolFormat::kQwenXml},
    {"qwen3-coder", "qwen3-tiny-Q8_0.gguf", "Qwen3-Coder.jinja", ToolFormat::kQwenXml},
    {"devstral", "mistral3-tiny-Q8_0.gguf", "unsloth-mistral-Devstral-Small-2507.jinja",
     ToolFormat::kMistral},
    {"deepseek-v31", "qwen3-tiny-Q8_0.gguf", "deepseek-ai-DeepSeek-V3.1.jinja",
     ToolFormat::kDeepSeek},
    {"deepseek-r1", "llama-rope-llama3-tiny-Q8_0.gguf",
     "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", ToolFormat::kDeepSeek},
};

// The two tools. Every string is bounded, so even a model writing at random ends its call.
const json::array kTools = json::parse(R"([
  {"type": "function", "function": {"name": "get_weather",
    "description": "Current weather for a city.", "parameters": {
    "type": "object", "additionalProperties": false, "required": ["location"],
    "properties": {
      "location": {"type": "string", "maxLength": 12},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
      "days": {"type": "integer", "minimum": 1, "maximum": 7}}}}},
  {"type": "function", "function": {"name": "set_alarm",
    "description": "Sets an alarm.", "parameters": {
    "type": "object", "additionalProperties": false, "required": ["time", "loud"],
    "properties": {
      "time": {"type": "string", "format": "time"},
      "loud": {"type": "boolean"},
      "label": {"type": ["string", "null"], "maxLength": 8}}}}}
])")
                               .as_array();

// `src` with its chat template replaced, every tensor byte kept.
void WriteWithTemplate(const fs::path& src, const fs::path& dst, const std::string& tmpl) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(src.string());
  ASSERT_TRUE(f.ok()) << f.status().message();
  gguf::Writer w;
  if ((*f)->alignment() != 32) w.SetAlignment((*f)->alignment());
  for (const gguf::KeyValue& kv : (*f)->metadata()) {
    if (kv.key != "tokenizer.chat_template" && kv.key != "general.alignment") {
      w.CopyValue(std::string(kv.key), kv.value);
    }
  }
  w.AddString("tokenizer.chat_template", tmpl);
  for (const gguf::TensorInfo& t : (*f)->tensors())
    w.DeclareTensor(std::string(t.name), t.type, t.shape);
  const Status st = w.WriteStreaming(dst.string(), [&](size_t i, std::vector<uint8_t>* data) {
    const gguf::TensorInfo& t = (*f)->tensors()[i];
    data->assign(t.data, t.data + t.bytes);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
}

// Whether `v` is valid under `schema`, for the keywords kTools uses; `why` says what is not.
bool Valid(const json::value& v, const json::object& schema, std::string* why) {
  auto fail = [&](const std::string& what) {
    *why = what + " in " + json::serialize(v);
    return false;
  };
  if (const json::value* e = schema.if_contains("enum")) {
    for (const json::value& x : e->as_array()) {
      if (x == v) return true;
    }
    return fail("not in the enum");
  }
  const json::value& type = schema.at("type");
  if (type.is_array()) {
    for (const json::value& t : type.as_array()) {
      json::object one = schema;
      one["type"] = t;
      if (Valid(v, one, why)) return true;
    }
    return fail("no type matches");
  }
  if (type == "null") return v.is_null() || fail("not null");
  if (type == "boolean") return v.is_bool() || fail("not a boolean");
  if (type == "integer") {
    if (!v.is_int64()) return fail("not an integer");
    const int64_t n = v.as_int64();
    return (n >= schema.at("minimum").as_int64() && n <= schema.at("maximum").as_int64()) ||
           fail("out of range");
  }
  if (type == "string") {
    if (!v.is_string()) return fail("not a string");
    const std::string s(v.as_string());
    const size_t chars = size_t(std::count_if(s.begin(), s.end(), [](char c) {
      return (uint8_t(c) & 0xC0) != 0x80;  // UTF-8 lead bytes
    }));
    if (schema.contains("maxLength") && chars > size_t(schema.at("maxLength").as_int64())) {
      return fail("too long");
    }
    if (schema.contains("format")) {
      const bool time = s.size() >= 9 && s[2] == ':' && s[5] == ':' &&
                        (s.back() == 'Z' || s[s.size() - 3] == ':');
      if (!time) return fail("not a time");
    }
    return true;
  }
  if (!v.is_object()) return fail("not an object");
  const json::object& props = schema.at("properties").as_object();
  for (const json::value& k : schema.at("required").as_array()) {
    if (!v.as_object().contains(k.as_string())) return fail("missing " + json::serialize(k));
  }
  for (const auto& kv : v.as_object()) {
    const json::value* p = props.if_contains(kv.key());
    if (p == nullptr) return fail("unknown key " + std::string(kv.key()));
    if (!Valid(kv.value(), p->as_object(), why)) return false;
  }
  return true;
}

const json::object& ParametersOf(std::string_view name) {
  for (const json::value& t : kTools) {
    if (t.at("function").at("name").as_string() == name)
      return t.at("function").at("parameters").as_object();
  }
  static const json::object kNone;
  ADD_FAILURE() << "no tool " << name;
  return kNone;
}

class ForcedToolCalls : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kZoo / kFamilies[0].zoo)) return;  // each test skips
    const fs::path models = MakeModels("forced-tools");
    for (const Family& f : kFamilies) {
      const std::string tmpl = testing::ReadAll(kTemplates / f.jinja);
      ASSERT_FALSE(tmpl.empty()) << f.jinja;
      WriteWithTemplate(kZoo / f.zoo, models / (std::string(f.id) + ".gguf"), tmpl);
    }
    Serve({"--ctx-size", "4096"});
  }
  void SetUp() override {
    if (!fs::exists(kZoo / kFamilies[0].zoo)) GTEST_SKIP() << "no zoo (make zoo): " << kZoo;
  }

  // One forced reply of `family`: its single call's name, after checking the call is whole and
  // its arguments validate against the tool's schema.
  static std::string ForcedCall(const Family& family, const json::value& tool_choice, int seed) {
    const json::object body{
        {"model", family.id},
        {"messages", json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                                 json::object{{"role", "user"}, {"content", "Weather in Oslo?"}}}},
        {"tools", kTools},
        {"tool_choice", tool_choice},
        {"temperature", 1.0},
        {"seed", seed},
        {"max_tokens", 400}};
    HttpResponse r = Post("/v1/chat/completions", body);
    const std::string where = std::string(family.id) + " seed " + std::to_string(seed) + ": ";
    EXPECT_EQ(r.status, 200) << where << r.body;
    const json::object o = testing::ParseJsonObject(r.body);
    if (!o.contains("choices")) return "";
    const json::object& choice = o.at("choices").at(0).as_object();
    EXPECT_EQ(choice.at("finish_reason"), "tool_calls") << where << r.body;
    const json::value* calls = choice.at("message").as_object().if_contains("tool_calls");
    if (calls == nullptr || calls->as_array().size() != 1) {
      ADD_FAILURE() << where << "not one call: " << r.body;
      return "";
    }
    const json::object& fn = calls->at(0).at("function").as_object();
    const std::string name(fn.at("name").as_string());
    json::error_code ec;
    const json::value args = json::parse(fn.at("arguments").as_string(), ec);
    EXPECT_FALSE(ec) << where << "arguments are not JSON: " << fn.at("arguments");
    std::string why;
    EXPECT_TRUE(ec || Valid(args, ParametersOf(name), &why)) << where << name << ": " << why;
    return name;
  }
};

TEST_F(ForcedToolCalls, EachTemplateIsDetectedAsItsFamily) {
  for (const Family& f : kFamilies) {
    Result<std::unique_ptr<Model>> m =
        Model::Load((models() / (std::string(f.id) + ".gguf")).string());
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_EQ(request::DetectToolFormat((*m)->tokenizer(), (*m)->chat_template()), f.format)
        << f.id;
  }
}

TEST_F(ForcedToolCalls, RequiredGivesAValidCallInEverySyntax) {
  for (const Family& f : kFamilies) {
    std::set<std::string> names;
    for (int seed = 1; seed <= 4; ++seed) names.insert(ForcedCall(f, "required", seed));
    for (const std::string& n : names) {
      EXPECT_TRUE(n == "get_weather" || n == "set_alarm") << f.id << ": " << n;
    }
  }
}

TEST_F(ForcedToolCalls, NamedGivesThatCallInEverySyntax) {
  for (const Family& f : kFamilies) {
    for (const char* name : {"get_weather", "set_alarm"}) {
      const json::object choice{{"type", "function"}, {"function", json::object{{"name", name}}}};
      for (int seed = 1; seed <= 2; ++seed) EXPECT_EQ(ForcedCall(f, choice, seed), name) << f.id;
    }
  }
}

// Where the family's markers are control tokens of the vocabulary (gpt-oss' <|constrain|> and
// <|message|>), the forced call writes those tokens, not their letters: a scripted model with
// harmony's control tokens and gpt-oss' real template, decoded through the engine.
TEST(ForcedToolCallTokens, HarmonyMarkersAreItsControlTokens) {
  testing::ScriptedModel sm;
  sm.name = "harmony-tokens";
  sm.words = {"Hello"};
  sm.script = {"Hello"};
  sm.control_words = {"<|start|>",     "<|end|>",  "<|message|>", "<|channel|>",
                      "<|constrain|>", "<|call|>", "<|return|>"};
  sm.chat_template = testing::ReadAll(kTemplates / "openai-gpt-oss-120b.jinja");
  sm.context_length = 4096;
  const fs::path path = testing::FreshTempDir("forced-tools", "harmony") / "m.gguf";
  ASSERT_TRUE(testing::ScriptedModelWriter(sm).WriteFile(path.string()).ok());
  Result<std::unique_ptr<Model>> m = Model::Load(path.string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Tokenizer& tok = (*m)->tokenizer();
  GenerateRequest req;
  req.messages = {{"user", "Weather in Oslo?"}};
  req.tools = kTools;
  req.tool_choice.mode = ToolChoiceMode::kRequired;
  req.sampling.temperature = 0;
  req.max_tokens = 300;
  const std::optional<request::RequestError> err = request::Prepare(**m, req, 4096);
  ASSERT_FALSE(err) << err->message;
  std::string raw = req.prompt_suffix;
  std::vector<int32_t> ids;
  for (const Event& e : testing::RunSession(**m, req, 4096)) {
    if (e.type != Event::Type::kToken || e.end_of_generation) continue;
    raw += e.piece;
    ids.push_back(e.id);
  }
  for (const char* marker : {"<|constrain|>", "<|message|>"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), *tok.FindToken(marker)), ids.end()) << marker;
  }
  const request::ToolParse p = request::ParseToolCalls(ToolFormat::kHarmony, {raw, "", true});
  ASSERT_EQ(p.calls.size(), 1u) << raw;
  json::error_code ec;
  const json::value args = json::parse(p.calls[0].arguments, ec);
  ASSERT_FALSE(ec) << raw;
  std::string why;
  EXPECT_TRUE(Valid(args, ParametersOf(p.calls[0].name), &why)) << raw << ": " << why;
}

}  // namespace
}  // namespace inferno
