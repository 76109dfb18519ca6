// Fill-in-the-middle through /v1/completions' `suffix`: a model with FIM tokens (the scripted
// tests/thinking_model.h with its FIM tokens, whose <|fim_middle|> leads to "Hello!") gets the
// prompt laid out as llama.cpp's /infill does, and one without them a 400 naming `suffix`.
#include <boost/json.hpp>
#include <filesystem>

#include "engine/model/model.h"
#include "engine/runtime/sequence.h"
#include "tests/served_test.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpResponse;
using testing::ParseJsonObject;

class FimApiTest : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    const fs::path models = MakeModels("fim");
    ASSERT_TRUE(
        testing::ThinkingModelWriter({.fim = true}).WriteFile((models / "fim.gguf").string()).ok());
    fs::copy_file(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf",
                  models / "plain.gguf");
    Serve();
  }
  static HttpResponse Complete(const std::string& body) { return Post("/v1/completions", body); }
};

TEST_F(FimApiTest, PromptIsPrefixSuffixMiddle) {
  Result<std::unique_ptr<Model>> m = Model::Load((models() / "fim.gguf").string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Tokenizer& tok = (*m)->tokenizer();
  ASSERT_GE(tok.fim_pre(), 0);
  GenerateRequest req;
  req.prompt = "Hmm";
  req.suffix = "...";
  Result<std::vector<int32_t>> ids = PromptTokens(**m, req);
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  const std::vector<int32_t> want = {tok.bos(),     tok.fim_pre(),         *tok.FindToken("Hmm"),
                                     tok.fim_suf(), *tok.FindToken("..."), tok.fim_mid()};
  EXPECT_EQ(*ids, want);
}

TEST_F(FimApiTest, SuffixFillsTheMiddle) {
  HttpResponse r =
      Complete(R"({"model":"fim","prompt":"Hmm","suffix":"...","temperature":0,"logprobs":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = ParseJsonObject(r.body);
  json::object choice = o["choices"].as_array()[0].as_object();
  EXPECT_EQ(choice["text"], "Hello!");
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_EQ(o["usage"].as_object()["prompt_tokens"], 6);
  EXPECT_EQ(json::serialize(choice["logprobs"].as_object()["tokens"]), R"(["Hello","!"])");
}

TEST_F(FimApiTest, AModelWithoutFimTokensRefusesTheSuffix) {
  HttpResponse r = Complete(R"({"model":"plain","prompt":"def f(","suffix":"  return x"})");
  ASSERT_EQ(r.status, 400) << r.body;
  json::object err = ParseJsonObject(r.body)["error"].as_object();
  EXPECT_EQ(err["param"], "suffix");
  EXPECT_NE(std::string(err["message"].as_string()).find("fill-in-the-middle"), std::string::npos);
  // An empty suffix is a plain completion.
  EXPECT_EQ(Complete(R"({"model":"plain","prompt":"Hi","suffix":"","max_tokens":2})").status, 200);
}

}  // namespace
}  // namespace inferno
