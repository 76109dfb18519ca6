// Ollama's /api/generate, /api/show, keep_alive and /api/pull against a real `inferno serve`:
// the scripted thinking model with FIM tokens (tests/thinking_model.h: it thinks "Hmm...",
// answers "Hello!", and a FIM prompt's middle is "Hello!") and the llama-tiny fixture, in one
// models dir; pulls from a loopback fake hub. Errors come in Ollama's shape, {"error": "..."}.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/fake_hub.h"
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

// One JSON object per line, as Ollama streams.
std::vector<json::object> Lines(const std::string& body) {
  std::vector<json::object> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) out.push_back(ParseJsonObject(line));
  return out;
}

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
  // The context it returns shows the composition: the old one, then the new prompt without
  // its BOS, then the answer.
  const json::array& grown = again.at("context").as_array();
  const size_t first_prompt = context.size() - 3;
  ASSERT_EQ(grown.size(),
            context.size() + first_prompt - 1 + again.at("eval_count").to_number<size_t>());
  EXPECT_EQ(json::array(grown.begin(), grown.begin() + std::ptrdiff_t(context.size())), context);
  // prompt_eval_count is the whole prompt (Ollama 0.33+), prompt_eval_cached_count the part
  // the cache held: at least the first prompt, since the old context leads the new one.
  EXPECT_EQ(again.at("prompt_eval_count").to_number<size_t>(),
            grown.size() - again.at("eval_count").to_number<size_t>());
  EXPECT_GE(again.at("prompt_eval_cached_count").to_number<size_t>(), first_prompt);
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

// Ollama's POST /api/pull against a server whose hub is a loopback fake (tests/fake_hub.h,
// INFERNO_HF_ENDPOINT). SHA-256 oracle: the coreutils sha256sum program.
class OllamaPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string model_path = testing::SharedDir() + "/fixtures/models/llama-tiny-Q4_0.gguf";
    model_ = testing::ReadAll(model_path);
    sha_ = testing::RunProcess({"sha256sum", model_path}).out.substr(0, 64);
    // The server reads the hub's address when it starts.
    setenv("INFERNO_HF_ENDPOINT", hub_.endpoint().c_str(), 1);
    server_ = std::make_unique<testing::ModelsDirServer>("ollama_pull", [](const fs::path&) {});
    unsetenv("INFERNO_HF_ENDPOINT");
    ASSERT_TRUE(server_->server().ok()) << server_->server().startup_output();
  }
  HttpResponse Pull(const std::string& body) {
    return HttpRequest(server_->port(), "POST", "/api/pull", body);
  }
  int CdnRequests() {
    int n = 0;
    for (const auto& s : hub_.requests()) n += s.target.rfind("/cdn/", 0) == 0;
    return n;
  }

  testing::FakeHub hub_;
  std::string model_, sha_;
  std::unique_ptr<testing::ModelsDirServer> server_;
};

TEST_F(OllamaPullTest, StreamsOllamasProgressAndListsTheModel) {
  hub_.AddFile("acme/tiny-GGUF", "README.md", "# tiny\n", "");
  hub_.AddFile("acme/tiny-GGUF", "tiny-Q4_0.gguf", model_, sha_);
  // The ollama libraries send the name as `name`.
  HttpResponse r = Pull(R"({"name":"acme/tiny-GGUF"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
  const std::vector<json::object> lines = Lines(r.body);
  ASSERT_GE(lines.size(), 4u) << r.body;
  EXPECT_EQ(lines.front(), json::parse(R"({"status":"pulling manifest"})"));
  const json::object& done = lines[lines.size() - 3];
  EXPECT_EQ(done.at("status").as_string(), "pulling " + sha_.substr(0, 12));
  EXPECT_EQ(done.at("digest").as_string(), "sha256:" + sha_);
  EXPECT_EQ(done.at("total").to_number<size_t>(), model_.size());
  EXPECT_EQ(done.at("completed").to_number<size_t>(), model_.size());
  EXPECT_EQ(lines[lines.size() - 2], json::parse(R"({"status":"verifying sha256 digest"})"));
  EXPECT_EQ(lines.back(), json::parse(R"({"status":"success"})"));
  EXPECT_EQ(testing::ReadAll(server_->models() / "tiny-Q4_0.gguf"), model_);
  EXPECT_EQ(CdnRequests(), 1);

  // Listed at once (the server started with an empty models dir, so on its demo model).
  const json::object tags = ParseJsonObject(HttpRequest(server_->port(), "GET", "/api/tags").body);
  bool listed = false;
  for (const json::value& m : tags.at("models").as_array()) {
    listed = listed || m.at("name") == "tiny-Q4_0";
  }
  EXPECT_TRUE(listed) << json::serialize(tags);
  // Again: the file is there, nothing is downloaded.
  HttpResponse again = Pull(R"({"model":"acme/tiny-GGUF","stream":false})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(ParseJsonObject(again.body), json::parse(R"({"status":"success"})"));
  EXPECT_EQ(CdnRequests(), 1);
}

TEST_F(OllamaPullTest, HuggingFaceNamesWithAQuantization) {
  hub_.AddFile("acme/choice", "a-Q8_0.gguf", "aaaa", "");
  hub_.AddFile("acme/choice", "a-Q6_K.gguf", model_, sha_);
  HttpResponse r = Pull(R"({"model":"hf.co/acme/choice:q6_k","stream":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(testing::ReadAll(server_->models() / "a-Q6_K.gguf"), model_);
  EXPECT_FALSE(fs::exists(server_->models() / "a-Q8_0.gguf"));

  // No Q4_K_M to default to: the choices, in Ollama's error shape.
  HttpResponse ask = Pull(R"({"model":"hf.co/acme/choice","stream":false})");
  EXPECT_EQ(ask.status, 400);
  const std::string error(ParseJsonObject(ask.body).at("error").as_string());
  EXPECT_NE(error.find("a-Q8_0.gguf, a-Q6_K.gguf"), std::string::npos) << error;
  HttpResponse missing = Pull(R"({"model":"acme/nothing","stream":false})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  HttpResponse library = Pull(R"({"model":"llama3.2"})");
  EXPECT_EQ(library.status, 400);
  EXPECT_NE(std::string(ParseJsonObject(library.body).at("error").as_string()).find("Hugging Face"),
            std::string::npos);
  // Streamed, an error is the last line.
  HttpResponse streamed = Pull(R"({"model":"acme/nothing"})");
  EXPECT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.body.find(R"({"error":")"), std::string::npos) << streamed.body;
}

}  // namespace
}  // namespace inferno
