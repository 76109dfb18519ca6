#include "server/embeddings.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine/model/fixture_model_test_util.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

TEST(Base64Floats, LittleEndianFloat32AsOpenAiSendsThem) {
  // 1.0f = 0x3F800000: bytes 00 00 80 3F.
  EXPECT_EQ(Base64Floats(std::vector<float>{1.0f}), "AACAPw==");
  // -2.0f = 0xC0000000, 0.5f = 0x3F000000: 8 bytes, one '=' of padding.
  EXPECT_EQ(Base64Floats(std::vector<float>{-2.0f, 0.5f}), "AAAAwAAAAD8=");
  EXPECT_EQ(Base64Floats(std::vector<float>{1.0f, 1.0f, 1.0f}), "AACAPwAAgD8AAIA/");
}

TEST(ParseEmbeddingsCall, OpenAiFields) {
  EmbeddingsCall call;
  ASSERT_FALSE(ParseEmbeddingsCall(
      R"({"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":8,"user":"u"})",
      EmbedDialect::kOpenAi, &call));
  EXPECT_EQ(call.model, "m");
  EXPECT_TRUE(call.base64);
  EXPECT_EQ(call.dimensions, 8);
  EXPECT_FALSE(call.truncate);
  EXPECT_TRUE(call.input.is_array());
}

TEST(ParseEmbeddingsCall, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
  } cases[] = {
      {R"({"model":"m"})", "input"},
      {R"({"input":"a","encoding_format":"int8"})", "encoding_format"},
      {R"({"input":"a","dimensions":0})", "dimensions"},
      {R"({"input":"a","dimensions":"8"})", "dimensions"},
      {R"({"input":"a","model":3})", "model"},
  };
  for (const Case& c : cases) {
    EmbeddingsCall call;
    std::optional<ApiError> err = ParseEmbeddingsCall(c.body, EmbedDialect::kOpenAi, &call);
    ASSERT_TRUE(err) << c.body;
    EXPECT_EQ(err->status, 400);
    EXPECT_EQ(err->param, c.param) << c.body;
  }
  EmbeddingsCall call;
  EXPECT_EQ(
      ParseEmbeddingsCall(R"({"input":"a","truncate":1})", EmbedDialect::kOllama, &call)->param,
      "truncate");
  EXPECT_EQ(ParseEmbeddingsCall(R"({"prompt":["a"]})", EmbedDialect::kOllamaLegacy, &call)->param,
            "prompt");
}

TEST(ParseEmbeddingsCall, OllamaTruncatesByDefault) {
  EmbeddingsCall call;
  ASSERT_FALSE(ParseEmbeddingsCall(R"({"model":"m","input":"a","keep_alive":"5m","options":{}})",
                                   EmbedDialect::kOllama, &call));
  EXPECT_TRUE(call.truncate);
  ASSERT_FALSE(
      ParseEmbeddingsCall(R"({"input":"a","truncate":false})", EmbedDialect::kOllama, &call));
  EXPECT_FALSE(call.truncate);
}

TEST(OpenAiEmbeddingsJson, ListShapeWithUsage) {
  EmbedResult r;
  r.embeddings = {{1.0f, 0.0f}, {0.0f, -1.0f}};
  r.prompt_tokens = 7;
  const json::object o = json::parse(OpenAiEmbeddingsJson(r, "tiny", false)).as_object();
  EXPECT_EQ(o.at("object"), "list");
  EXPECT_EQ(o.at("model"), "tiny");
  const json::array& data = o.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[1].at("object"), "embedding");
  EXPECT_EQ(data[1].at("index"), 1);
  EXPECT_EQ(data[1].at("embedding").as_array()[1].to_number<double>(), -1.0);
  EXPECT_EQ(o.at("usage").at("prompt_tokens"), 7);
  EXPECT_EQ(o.at("usage").at("total_tokens"), 7);
  const json::object b = json::parse(OpenAiEmbeddingsJson(r, "tiny", true)).as_object();
  EXPECT_EQ(b.at("data").as_array()[0].at("embedding"), "AACAPwAAAAA=");
}

TEST(OllamaEmbedJson, NanosecondDurationsAndCount) {
  EmbedResult r;
  r.embeddings = {{0.6f, 0.8f}};
  r.prompt_tokens = 3;
  const json::object o = json::parse(OllamaEmbedJson(r, "tiny", 12.5, 2.0)).as_object();
  EXPECT_EQ(o.at("total_duration"), 12500000);
  EXPECT_EQ(o.at("load_duration"), 2000000);
  EXPECT_EQ(o.at("prompt_eval_count"), 3);
  EXPECT_EQ(o.at("embeddings").as_array().size(), 1u);
  const json::object legacy = json::parse(OllamaLegacyEmbeddingJson(r)).as_object();
  EXPECT_EQ(legacy.at("embedding").as_array().size(), 2u);
}

class InputTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::LoadFixtureModel();
    ASSERT_NE(model_, nullptr);
  }

  std::optional<ApiError> Tokens(const char* body, EmbedDialect dialect,
                                 std::vector<std::vector<int32_t>>* out, int n_ctx = 64) {
    EmbeddingsCall call;
    if (auto err = ParseEmbeddingsCall(body, dialect, &call)) return err;
    return InputTokens(call, model_->tokenizer(), n_ctx, out);
  }

  std::unique_ptr<Model> model_;
};

TEST_F(InputTokensTest, TheFourOpenAiShapes) {
  std::vector<std::vector<int32_t>> t;
  ASSERT_FALSE(Tokens(R"({"input":"hi"})", EmbedDialect::kOpenAi, &t));
  EXPECT_EQ(t, (std::vector<std::vector<int32_t>>{EmbeddingTokens(model_->tokenizer(), "hi")}));
  EXPECT_EQ(t[0][0], model_->tokenizer().bos());  // llama.cpp adds BOS to text inputs
  ASSERT_FALSE(Tokens(R"({"input":["hi","there"]})", EmbedDialect::kOpenAi, &t));
  EXPECT_EQ(t.size(), 2u);
  ASSERT_FALSE(Tokens(R"({"input":[5,6,7]})", EmbedDialect::kOpenAi, &t));
  EXPECT_EQ(t, (std::vector<std::vector<int32_t>>{{5, 6, 7}}));  // ids as given, no BOS
  ASSERT_FALSE(Tokens(R"({"input":[[5,6],[7]]})", EmbedDialect::kOpenAi, &t));
  EXPECT_EQ(t, (std::vector<std::vector<int32_t>>{{5, 6}, {7}}));
}

TEST_F(InputTokensTest, BadShapesAndTruncation) {
  std::vector<std::vector<int32_t>> t;
  EXPECT_EQ(Tokens(R"({"input":[]})", EmbedDialect::kOpenAi, &t)->message, "input is empty");
  EXPECT_EQ(Tokens(R"({"input":""})", EmbedDialect::kOpenAi, &t)->param, "input");
  EXPECT_EQ(Tokens(R"({"prompt":""})", EmbedDialect::kOllamaLegacy, &t)->param, "prompt");
  EXPECT_EQ(Tokens(R"({"input":[1,"a"]})", EmbedDialect::kOpenAi, &t)->param, "input");
  EXPECT_EQ(Tokens(R"({"input":[[1,2.5]]})", EmbedDialect::kOpenAi, &t)->param, "input");
  EXPECT_EQ(Tokens(R"({"input":{"a":1}})", EmbedDialect::kOpenAi, &t)->param, "input");
  EXPECT_EQ(Tokens(R"({"input":[[1]]})", EmbedDialect::kOllama, &t)->param, "input");
  ASSERT_FALSE(Tokens(R"({"input":"a b c d e f g h"})", EmbedDialect::kOllama, &t, 3));
  EXPECT_EQ(t[0].size(), 3u);
  ASSERT_FALSE(
      Tokens(R"({"input":"a b c d e f g h","truncate":false})", EmbedDialect::kOllama, &t, 3));
  EXPECT_GT(t[0].size(), 3u);  // refused later by CheckEmbedRequest, naming the input
}

}  // namespace
}  // namespace inferno::server
