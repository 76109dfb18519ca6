// Ollama's /api/generate, /api/show and keep_alive against a real `inferno serve`: the
// scripted thinking model with FIM tokens (tests/thinking_model.h: it thinks "Hmm...", answers
// "Hello!", and a FIM prompt's middle is "Hello!") and the llama-tiny fixture, in one models
// dir. Errors come in Ollama's shape, {"error": "..."}.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/models_dir_server.h"
#include "tests/subprocess.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;

class OllamaApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::ModelsDirServer(
        "ollama",
        [](const fs::path& models) {
          ASSERT_TRUE(testing::ThinkingModelWriter({.fim = true})
                          .WriteFile((models / "thinking.gguf").string())
                          .ok());
          fs::copy_file(testing::SharedDir() + "/fixtures/models/llama-tiny-Q8_0.gguf",
                        models / "plain.gguf");
        },
        {"--threads", "1"});
    ASSERT_TRUE(server_->server().ok()) << server_->server().startup_output();
  }
  static void TearDownTestSuite() { delete server_; }
  static HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpRequest(server_->port(), "POST", path, body);
  }
  static json::object Generate(const std::string& body) {
    HttpResponse r = Post("/api/generate", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJsonObject(r.body);
  }
  static std::vector<json::object> Lines(const std::string& body) {
    std::vector<json::object> out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) out.push_back(ParseJsonObject(line));
    return out;
  }
  static json::array Running() {
    return ParseJsonObject(HttpRequest(server_->port(), "GET", "/api/ps").body)
        .at("models")
        .as_array();
  }
  // Ollama's error body: only a string under "error".
  static std::string OllamaError(const HttpResponse& r) {
    json::object o = ParseJsonObject(r.body);
    EXPECT_EQ(o.size(), 1u) << r.body;
    return o.contains("error") && o.at("error").is_string() ? std::string(o.at("error").as_string())
                                                            : "";
  }

  static testing::ModelsDirServer* server_;
};
testing::ModelsDirServer* OllamaApiTest::server_ = nullptr;

TEST_F(OllamaApiTest, GenerateSplitsTheThoughtAndStreams) {
  json::object r = Generate(R"({"model":"thinking","prompt":"Hi","stream":false,)"
                            R"("options":{"temperature":0}})");
  EXPECT_EQ(r.at("model"), "thinking");
  EXPECT_EQ(r.at("response"), "Hello!");
  EXPECT_EQ(r.at("thinking"), "Hmm...");
  EXPECT_EQ(r.at("done"), true);
  EXPECT_EQ(r.at("done_reason"), "stop");
  EXPECT_EQ(r.at("eval_count"), 7);  // <think> Hmm ... </think> Hello ! </s>
  EXPECT_GT(r.at("prompt_eval_count").to_number<int>(), 0);
  EXPECT_GE(r.at("eval_duration").to_number<int64_t>(), 0);
  const json::array& context = r.at("context").as_array();
  EXPECT_EQ(int(context.size()),
            r.at("prompt_eval_count").to_number<int>() + r.at("eval_count").to_number<int>());

  // Streamed (the default): one object per line, the last one done with the counts.
  HttpResponse s = Post("/api/generate", R"({"model":"thinking","prompt":"Hi"})");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.headers["content-type"], "application/x-ndjson");
  std::string response, thinking;
  const std::vector<json::object> lines = Lines(s.body);
  ASSERT_GE(lines.size(), 2u);
  for (const json::object& l : lines) {
    response += l.at("response").as_string();
    if (l.contains("thinking")) thinking += l.at("thinking").as_string();
  }
  EXPECT_EQ(response, "Hello!");
  EXPECT_EQ(thinking, "Hmm...");
  EXPECT_EQ(lines.back().at("done"), true);
  EXPECT_EQ(lines.back().at("context"), r.at("context"));
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].at("done"), false);

  // think: false leaves the thought in the response; num_predict cuts it.
  EXPECT_EQ(
      Generate(R"({"model":"thinking","prompt":"Hi","stream":false,"think":false})").at("response"),
      "<think>Hmm...</think>Hello!");
  json::object cut = Generate(R"({"model":"thinking","prompt":"Hi","stream":false,)"
                              R"("options":{"num_predict":2}})");
  EXPECT_EQ(cut.at("done_reason"), "length");
  EXPECT_EQ(cut.at("eval_count"), 2);
}

TEST_F(OllamaApiTest, SuffixContextRawAndRefusals) {
  // Fill-in-the-middle: the model's FIM prompt, whose middle is "Hello!".
  EXPECT_EQ(
      Generate(R"({"model":"thinking","prompt":"a","suffix":"b","stream":false})").at("response"),
      "Hello!");
  // context: the previous answer's tokens come before the new prompt's (BOS not repeated).
  json::object first = Generate(R"({"model":"plain","prompt":"Hi","stream":false,)"
                                R"("options":{"num_predict":3,"temperature":0}})");
  const json::array context = first.at("context").as_array();
  ASSERT_EQ(context.size(), first.at("prompt_eval_count").to_number<size_t>() + 3);
  json::object again = Generate(
      R"({"model":"plain","prompt":"Hi","stream":false,"options":{"num_predict":1},"context":)" +
      json::serialize(context) + "}");
  EXPECT_EQ(again.at("prompt_eval_count").to_number<size_t>(),
            context.size() + first.at("prompt_eval_count").to_number<size_t>() - 1);
  // raw: the prompt as it is, and no context back.
  json::object raw = Generate(R"({"model":"plain","prompt":"Hi","raw":true,"stream":false,)"
                              R"("options":{"num_predict":1}})");
  EXPECT_FALSE(raw.contains("context"));
  EXPECT_LT(raw.at("prompt_eval_count").to_number<int>(),
            first.at("prompt_eval_count").to_number<int>());

  HttpResponse tmpl =
      Post("/api/generate", R"({"model":"plain","prompt":"x","template":"{{ .Prompt }}"})");
  EXPECT_EQ(tmpl.status, 400);
  EXPECT_NE(OllamaError(tmpl).find("'template'"), std::string::npos);
  HttpResponse images =
      Post("/api/generate", R"({"model":"plain","prompt":"x","images":["aGk="]})");
  EXPECT_EQ(images.status, 400);
  EXPECT_NE(OllamaError(images).find("images"), std::string::npos);
  HttpResponse fim = Post("/api/generate", R"({"model":"plain","prompt":"a","suffix":"b"})");
  EXPECT_EQ(fim.status, 400);
  EXPECT_NE(OllamaError(fim).find("fill-in-the-middle"), std::string::npos);
  HttpResponse missing = Post("/api/generate", R"({"model":"nope","prompt":"x"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(OllamaError(missing).find("nope"), std::string::npos);
}

TEST_F(OllamaApiTest, ShowDescribesTheModel) {
  HttpResponse r = Post("/api/show", R"({"model":"thinking"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object show = ParseJsonObject(r.body);
  EXPECT_EQ(show.at("capabilities"), json::parse(R"(["completion","thinking","insert"])"));
  EXPECT_EQ(show.at("details").at("format"), "gguf");
  EXPECT_EQ(show.at("details").at("family"), "llama");
  const json::object& info = show.at("model_info").as_object();
  EXPECT_EQ(info.at("general.architecture"), "llama");
  EXPECT_EQ(info.at("llama.context_length"), 256);
  EXPECT_EQ(info.at("tokenizer.ggml.tokens"), json::array());  // not verbose
  EXPECT_NE(std::string(show.at("modelfile").as_string()).find("FROM "), std::string::npos);
  EXPECT_NE(std::string(show.at("parameters").as_string()).find("temperature"), std::string::npos);
  json::object verbose =
      ParseJsonObject(Post("/api/show", R"({"name":"thinking:latest","verbose":true})").body);
  EXPECT_GT(verbose.at("model_info").at("tokenizer.ggml.tokens").as_array().size(), 256u);

  json::object plain = ParseJsonObject(Post("/api/show", R"({"model":"plain"})").body);
  EXPECT_EQ(plain.at("capabilities"), json::parse(R"(["completion"])"));
  EXPECT_EQ(plain.at("details").at("quantization_level"), "Q8_0");

  HttpResponse missing = Post("/api/show", R"({"model":"nope"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(OllamaError(missing), "model 'nope' not found");
}

// keep_alive: a duration shows in /api/ps, 0 unloads; an empty prompt loads; num_ctx applies.
TEST_F(OllamaApiTest, KeepAliveLoadsAndUnloads) {
  json::object load = Generate(R"({"model":"plain","keep_alive":"1h","options":{"num_ctx":128}})");
  EXPECT_EQ(load.at("done"), true);
  EXPECT_EQ(load.at("done_reason"), "load");
  EXPECT_EQ(load.at("response"), "");
  bool found = false;
  for (const json::value& m : Running()) {
    if (m.at("name") != "plain") continue;
    found = true;
    EXPECT_EQ(m.at("context_length"), 128);
    EXPECT_NE(m.at("expires_at"), "9999-12-31T23:59:59.000Z");
  }
  EXPECT_TRUE(found);
  json::object unload = Generate(R"({"model":"plain","keep_alive":0})");
  EXPECT_EQ(unload.at("done_reason"), "unload");
  for (const json::value& m : Running()) EXPECT_NE(m.at("name"), "plain");
  // A chat with keep_alive 0 answers and then unloads.
  HttpResponse chat = Post("/api/chat", R"({"model":"thinking","stream":false,"keep_alive":0,)"
                                        R"("messages":[{"role":"user","content":"Hi"}]})");
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(ParseJsonObject(chat.body).at("message").at("content"), "Hello!");
  for (const json::value& m : Running()) EXPECT_NE(m.at("name"), "thinking");
  HttpResponse bad = Post("/api/chat", R"({"model":"thinking","keep_alive":"soon"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(OllamaError(bad).find("keep_alive"), std::string::npos);
}

}  // namespace
}  // namespace inferno
