// `inferno serve` over loopback: every endpoint, streaming and not, against the real binary
// and a fixture model, plus bad input, authentication, disconnects and concurrency.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;
using testing::ServerProcess;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(testing::FreshTempDir("server", "data"));
    server_ = new ServerProcess({"-m", testing::FixtureModel(), "--data-dir", data_->string(),
                                 "--ctx-size", "256", "--parallel", "4", "--threads", "2",
                                 "--body-limit", "65536"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*data_);
    delete data_;
  }
  static int port() { return server_->port(); }
  static HttpResponse Post(const std::string& target, const std::string& body) {
    return HttpRequest(port(), "POST", target, body);
  }
  static std::string CompletionText(const std::string& prompt, int n) {
    HttpResponse r = Post("/v1/completions",
                          R"({"prompt":)" + json::serialize(json::value(prompt)) +
                              R"(,"max_tokens":)" + std::to_string(n) + R"(,"temperature":0})");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(
        ParseJsonObject(r.body)["choices"].as_array()[0].as_object()["text"].as_string());
  }

  static ServerProcess* server_;
  static fs::path* data_;
};
ServerProcess* ServerTest::server_ = nullptr;
fs::path* ServerTest::data_ = nullptr;

// Ollama's clients list models with /api/tags (and /api/ps, /api/version) before they chat.
TEST_F(ServerTest, OllamaModelLists) {
  HttpResponse tags = HttpRequest(port(), "GET", "/api/tags");
  ASSERT_EQ(tags.status, 200);
  const json::object t = ParseJsonObject(tags.body);
  const json::object& m = t.at("models").as_array().at(0).as_object();
  EXPECT_EQ(m.at("name"), "llama-tiny-Q8_0");
  EXPECT_EQ(m.at("size").to_number<double>(), double(fs::file_size(testing::FixtureModel())));
  EXPECT_EQ(m.at("details").at("family"), "llama");
  EXPECT_EQ(m.at("details").at("quantization_level"), "Q8_0");
  HttpResponse ps = HttpRequest(port(), "GET", "/api/ps");
  ASSERT_EQ(ps.status, 200);
  EXPECT_EQ(ParseJsonObject(ps.body).at("models").at(0).at("name"), "llama-tiny-Q8_0");
  HttpResponse version = HttpRequest(port(), "GET", "/api/version");
  ASSERT_EQ(version.status, 200);
  EXPECT_EQ(ParseJsonObject(version.body).at("version"), "0.1.0");
}

TEST_F(ServerTest, HealthModelsAndMetrics) {
  HttpResponse h = HttpRequest(port(), "GET", "/health");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(ParseJsonObject(h.body)["status"], "ok");
  HttpResponse m = HttpRequest(port(), "GET", "/v1/models");
  ASSERT_EQ(m.status, 200);
  json::object list = ParseJsonObject(m.body);
  ASSERT_EQ(list["object"], "list");
  json::object first = list["data"].as_array()[0].as_object();
  EXPECT_EQ(first["id"], "llama-tiny-Q8_0");
  EXPECT_EQ(first["quant"], "Q8_0");
  EXPECT_EQ(first["architecture"], "llama");
  EXPECT_EQ(first["loaded"], true);
  EXPECT_EQ(first["size_bytes"].to_number<double>(),
            double(fs::file_size(testing::FixtureModel())));
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/models/llama-tiny-Q8_0").status, 200);
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/models/nope").status, 404);

  CompletionText("Hello", 2);
  HttpResponse metrics = HttpRequest(port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("inferno_requests_total{route=\"/v1/completions\",status=\"200\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("inferno_generated_tokens_total "), std::string::npos);
  EXPECT_EQ(metrics.body.find("inferno_generated_tokens_total 0\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("inferno_models_loaded 1"), std::string::npos);
}

// The server and `inferno run` go through the same engine: greedy text must be identical.
TEST_F(ServerTest, GreedyCompletionEqualsInfernoRun) {
  const std::string via_server = CompletionText("Once upon a time", 12);
  const testing::ProcessResult run =
      testing::RunProcess({testing::InfernoBinary(), "run", "-m", testing::FixtureModel(), "-p",
                           "Once upon a time", "-n", "12", "--temp", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(via_server, run.out.substr(0, via_server.size()));
  EXPECT_FALSE(via_server.empty());
}

TEST_F(ServerTest, ChatStreamMatchesNonStreamWithLogprobsAndUsage) {
  const std::string req =
      R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}],)"
      R"("max_tokens":10,"temperature":0,"logprobs":true,"top_logprobs":3)";
  HttpResponse full = Post("/v1/chat/completions", req + "}");
  ASSERT_EQ(full.status, 200) << full.body;
  json::object o = ParseJsonObject(full.body);
  EXPECT_EQ(o["object"], "chat.completion");
  json::object choice = o["choices"].as_array()[0].as_object();
  const std::string text(choice["message"].as_object()["content"].as_string());
  json::array content = choice["logprobs"].as_object()["content"].as_array();
  EXPECT_EQ(content.size(), 10u);
  for (const json::value& entry : content) {
    const json::object& e = entry.as_object();
    EXPECT_LE(e.at("logprob").as_double(), 0.0);
    ASSERT_EQ(e.at("top_logprobs").as_array().size(), 3u);
    // Greedy: the chosen token is the most likely one.
    EXPECT_EQ(e.at("top_logprobs").as_array()[0].as_object().at("token"), e.at("token"));
  }
  EXPECT_EQ(o["usage"].as_object()["completion_tokens"], 10);

  HttpResponse stream = Post("/v1/chat/completions",
                             req + R"(,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers["content-type"], "text/event-stream");
  std::vector<std::string> data = testing::SseData(stream.body);
  ASSERT_GE(data.size(), 4u);
  EXPECT_EQ(data.back(), "[DONE]");
  std::string streamed;
  int logprob_entries = 0;
  std::string finish;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    json::object chunk = ParseJsonObject(data[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    json::array choices = chunk["choices"].as_array();
    if (choices.empty()) {  // the usage chunk
      EXPECT_EQ(chunk["usage"].as_object()["completion_tokens"], 10);
      continue;
    }
    json::object c = choices[0].as_object();
    json::object delta = c["delta"].as_object();
    if (i == 0) {
      EXPECT_EQ(delta["role"], "assistant");
    }
    if (delta.contains("content")) streamed += std::string(delta["content"].as_string());
    if (c["logprobs"].is_object())
      logprob_entries += int(c["logprobs"].as_object()["content"].as_array().size());
    if (c["finish_reason"].is_string()) finish = std::string(c["finish_reason"].as_string());
  }
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(logprob_entries, 10);
  EXPECT_EQ(finish, "length");
}

TEST_F(ServerTest, SeedMakesSamplingReproducible) {
  auto sample = [&](int seed) {
    HttpResponse r = Post("/v1/completions", R"({"prompt":"The","max_tokens":16,"temperature":1.0,)"
                                             R"("top_k":0,"top_p":1,"min_p":0,"seed":)" +
                                                 std::to_string(seed) + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(
        ParseJsonObject(r.body)["choices"].as_array()[0].as_object()["text"].as_string());
  };
  const std::string a = sample(42), b = sample(42), c = sample(7);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(ServerTest, StopStringEndsTheTextBeforeIt) {
  const std::string greedy = CompletionText("Once upon a time", 16);
  ASSERT_GT(greedy.size(), 8u);
  const std::string stop = greedy.substr(greedy.size() / 2, 3);
  HttpResponse r = Post("/v1/completions",
                        R"({"prompt":"Once upon a time","max_tokens":16,"temperature":0,"stop":[)" +
                            json::serialize(json::value(stop)) + "]}");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object choice = ParseJsonObject(r.body)["choices"].as_array()[0].as_object();
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_EQ(std::string(choice["text"].as_string()), greedy.substr(0, greedy.find(stop)));
}

// chat_template_kwargs: extra variables for the model's template (the rendering itself is
// checked in chat_template_test against Hugging Face's); the request's own are not overridden.
TEST_F(ServerTest, ChatTemplateKwargs) {
  const std::string msgs = R"("messages":[{"role":"user","content":"Hello"}],"max_tokens":2)";
  HttpResponse r = Post("/v1/chat/completions",
                        "{" + msgs + R"(,"chat_template_kwargs":{"enable_thinking":false}})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Post("/v1/chat/completions", "{" + msgs + R"(,"chat_template_kwargs":"no"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r, "param"), "chat_template_kwargs");
  r = Post("/v1/chat/completions",
           "{" + msgs + R"(,"chat_template_kwargs":{"add_generation_prompt":false}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(ErrorField(r, "message").find("'add_generation_prompt'"), std::string::npos) << r.body;
}

TEST_F(ServerTest, BadRequestsGetOpenAiErrors) {
  HttpResponse r = Post("/v1/chat/completions", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(
      ParseJsonObject(r.body)["error"].as_object()["message"].as_string().find("not valid JSON"),
      std::string::npos);
  r = Post("/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"x"}],"temperature":"hot"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r, "param"), "temperature");
  r = Post("/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r, "param"), "max_tokens");
  // /chat reads the same schema as the OpenAI routes: same bounds, same message.
  for (const char* path : {"/v1/chat/completions", "/chat"}) {
    r = Post(path, R"({"prompt":"x","messages":[{"role":"user","content":"x"}],"top_p":1.5})");
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(ErrorField(r, "message"), "'top_p' must be between 0 and 1") << path;
    EXPECT_EQ(ErrorField(r, "param"), "top_p") << path;
  }
  r = Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"n":9})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r, "param"), "n");
  EXPECT_EQ(ErrorField(r, "message"), "'n' must be between 1 and 8");
  r = Post("/v1/chat/completions", R"({"messages":[{"role":"wizard","content":"x"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r, "param"), "messages[0].role");
  r = Post("/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":3})");
  EXPECT_EQ(r.status, 400);
  r = Post("/v1/chat/completions",
           R"({"model":"missing","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ParseJsonObject(r.body)["error"].as_object()["code"], "model_not_found");
  for (const char* escape : {"../../etc/passwd", "/etc/passwd", "a/../../b"}) {
    r = Post("/v1/chat/completions", std::string(R"({"model":")") + escape +
                                         R"(","messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(r.status, 404) << escape;
  }
  // The context is 256 tokens on this server.
  std::string long_prompt;
  for (int i = 0; i < 400; ++i) long_prompt += "word ";
  r = Post("/v1/completions", R"({"prompt":")" + long_prompt + R"("})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseJsonObject(r.body)["error"].as_object()["code"], "context_length_exceeded");
  r = Post("/v1/completions", R"({"prompt":")" + std::string(70000, 'a') + R"("})");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/chat/completions").status, 405);
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/nothing").status, 404);
  // After all that, the server still answers.
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
}

TEST_F(ServerTest, ClientDisconnectMidStreamCancelsAndServerKeepsServing) {
  const int fd = testing::OpenStreamAndRead(
      port(), "/v1/completions",
      R"({"prompt":"Once upon a time","max_tokens":240,"temperature":0,"stream":true})", 600);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_FALSE(CompletionText("Hello", 3).empty());
  // The cancelled request must not keep a slot busy: wait for the scheduler to drain.
  for (int i = 0; i < 100; ++i) {
    HttpResponse m = HttpRequest(port(), "GET", "/metrics");
    if (m.body.find("inferno_active_sequences 0\n") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "the cancelled generation never ended";
}

// Four clients at once are batched together and each gets what it gets alone.
TEST_F(ServerTest, ConcurrentRequestsEachGetTheirOwnResult) {
  const std::vector<std::string> prompts = {"Once upon a time", "The quick brown fox", "Hello",
                                            "In the beginning"};
  std::vector<std::string> alone;
  for (const std::string& p : prompts) alone.push_back(CompletionText(p, 10));
  std::vector<std::string> together(prompts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] { together[i] = CompletionText(prompts[i], 10); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(together, alone);
}

TEST_F(ServerTest, SeedChatApiStreamsTokensWithMetricsThenDone) {
  HttpResponse r =
      Post("/chat", R"({"model_name":"llama-tiny-Q8_0","prompt":"Hi","system":"Be nice",)"
                    R"("temperature":0,"max_tokens":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> events;
  std::vector<std::string> data = testing::SseData(r.body, &events);
  ASSERT_EQ(data.size(), 6u) << r.body;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(events[i], "token");
    json::object t = ParseJsonObject(data[i]);
    EXPECT_EQ(t["index"], i);
    EXPECT_TRUE(t.contains("text"));
    EXPECT_LE(t["logprob"].as_double(), 0);
    EXPECT_GE(t["elapsed_ms"].as_double(), 0);
    EXPECT_TRUE(t.contains("tokens_per_second"));
  }
  EXPECT_EQ(events[5], "done");
  json::object done = ParseJsonObject(data[5]);
  EXPECT_EQ(done["generated_tokens"], 5);
  EXPECT_GT(done["prompt_tokens"].to_number<int>(), 3);
  EXPECT_GT(done["peak_rss_bytes"].to_number<double>(), 1e6);
  EXPECT_EQ(done["finish_reason"], "length");
  for (const char* key :
       {"load_ms", "prompt_tokens_per_second", "decode_tokens_per_second", "ttft_ms"}) {
    EXPECT_TRUE(done.contains(key)) << key;
  }
  EXPECT_EQ(Post("/chat", R"({"prompt":5})").status, 400);
  EXPECT_EQ(Post("/chat", R"({"model_name":"nope","prompt":"x"})").status, 404);
}

TEST_F(ServerTest, TokenizeMatchesCliAndDetokenizeRoundTrips) {
  HttpResponse r = Post("/tokenize", R"({"content":"Hello world, once upon a time"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::array tokens = ParseJsonObject(r.body)["tokens"].as_array();
  const testing::ProcessResult cli =
      testing::RunProcess({testing::InfernoBinary(), "tokenize", "-m", testing::FixtureModel(),
                           "-p", "Hello world, once upon a time", "--json"});
  ASSERT_EQ(cli.exit_code, 0);
  json::array want = ParseJsonObject(cli.out)["tokens"].as_array();
  ASSERT_EQ(tokens.size(), want.size());
  json::array ids;
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].as_object()["id"], want[i].as_object()["id"]);
    ids.push_back(tokens[i].as_object()["id"]);
  }
  HttpResponse d = Post("/detokenize", json::serialize(json::object{{"tokens", ids}}));
  ASSERT_EQ(d.status, 200);
  EXPECT_NE(std::string(ParseJsonObject(d.body)["content"].as_string())
                .find("Hello world, once upon a time"),
            std::string::npos);
  EXPECT_EQ(Post("/detokenize", R"({"tokens":[-1]})").status, 400);
}

TEST_F(ServerTest, StaticFilesNeverLeaveTheWebRoot) {
  HttpResponse root = HttpRequest(port(), "GET", "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_NE(root.headers["content-type"].find("text/html"), std::string::npos);
  EXPECT_EQ(HttpRequest(port(), "GET", "/../../../../etc/passwd").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/%2e%2e/%2e%2e/etc/passwd").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/missing.js").status, 404);
}

TEST(ServerOptions, ApiKeyGuardsApiRoutesButNotHealth) {
  const fs::path data = testing::FreshTempDir("server", "key");
  ServerProcess server(
      {"-m", testing::FixtureModel(), "--data-dir", data.string(), "--api-key", "s3cret"});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  const std::string body = R"({"prompt":"Hi","max_tokens":2})";
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/v1/completions", body).status, 401);
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/v1/completions", body,
                        {{"Authorization", "Bearer wrong"}})
                .status,
            401);
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/v1/completions", body,
                        {{"Authorization", "Bearer s3cret"}})
                .status,
            200);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/v1/models").status, 401);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
  // Requests are logged, one file per day.
  ASSERT_TRUE(fs::exists(data / "logs"));
  EXPECT_FALSE(fs::is_empty(data / "logs"));
  fs::remove_all(data);
}

// A server started as make run starts it (no -m, an empty models dir) offers the bundled set:
// the demo model (loaded), the vision demo with its mmproj, the speech model; each as shipped
// in models/ (skipped until tools/vision-demo has shipped its pair).
TEST(ServerOptions, AnEmptyDirGetsTheBundledModels) {
  const fs::path src = fs::path(INFERNO_SOURCE_DIR) / "models";
  if (!fs::exists(src / "vision" / "inferno-demo-vision-Q8_0.gguf")) {
    GTEST_SKIP() << "no vision demo in " << src << " (make vision-demo)";
  }
  const fs::path dir = testing::FreshTempDir("server", "bundled");
  ServerProcess server({"--models-dir", (dir / "models").string(), "--data-dir",
                        (dir / "data").string(), "-t", "1"});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  std::map<std::string, json::object> by_id;
  json::object list = ParseJsonObject(HttpRequest(server.port(), "GET", "/v1/models").body);
  for (const json::value& m : list["data"].as_array()) {
    by_id[std::string(m.as_object().at("id").as_string())] = m.as_object();
  }
  ASSERT_TRUE(by_id.count("inferno-demo-Q8_0")) << json::serialize(list);
  EXPECT_EQ(by_id["inferno-demo-Q8_0"].at("loaded"), true);
  ASSERT_TRUE(by_id.count("inferno-demo-vision-Q8_0")) << json::serialize(list);
  const json::array& caps = by_id["inferno-demo-vision-Q8_0"].at("capabilities").as_array();
  EXPECT_NE(std::find(caps.begin(), caps.end(), json::value("vision")), caps.end());
  if (fs::exists(src / "inferno-speech.bin")) {
    EXPECT_TRUE(by_id.count("inferno-speech"));
  }
  // Given its model, a server serves that and nothing bundled.
  ServerProcess given({"-m", testing::FixtureModel(), "--models-dir", (dir / "models").string(),
                       "--data-dir", (dir / "data2").string(), "-t", "1"});
  ASSERT_TRUE(given.ok()) << given.startup_output();
  const std::string listed = HttpRequest(given.port(), "GET", "/v1/models").body;
  EXPECT_EQ(listed.find("inferno-demo-vision"), std::string::npos) << listed;
  fs::remove_all(dir);
}

TEST(ServerOptions, ModelsDirListsLoadsOnDemandAndRefusesEscapes) {
  const fs::path dir = testing::FreshTempDir("server", "models");
  fs::create_directories(dir / "models" / "family");
  fs::copy_file(testing::FixtureModel(), dir / "models" / "family" / "tiny.gguf");
  fs::create_directories(dir / "outside");
  fs::copy_file(testing::SharedDir() + "/fixtures/models/qwen2-tiny-Q8_0.gguf",
                dir / "outside" / "secret.gguf");
  fs::create_symlink(dir / "outside" / "secret.gguf", dir / "models" / "escape.gguf");
  std::ofstream(dir / "models" / "broken.gguf") << "not a model";
  ServerProcess server(
      {"--models-dir", (dir / "models").string(), "--data-dir", (dir / "data").string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  json::object list = ParseJsonObject(HttpRequest(server.port(), "GET", "/v1/models").body);
  std::vector<std::string> ids;
  for (const json::value& m : list["data"].as_array()) {
    ids.push_back(std::string(m.as_object().at("id").as_string()));
    if (m.as_object().at("id") == "family/tiny") {
      EXPECT_EQ(m.as_object().at("loaded"), false);
    }
  }
  // The dir's models, and the speech model a build in the checkout offers beside them.
  std::vector<std::string> want = {"broken", "family/tiny"};
  if (fs::exists(fs::path(INFERNO_SOURCE_DIR) / "models" / "inferno-speech.bin")) {
    want.push_back("inferno-speech");
  }
  EXPECT_EQ(ids, want);
  HttpResponse r = HttpRequest(server.port(), "POST", "/v1/completions",
                               R"({"model":"family/tiny","prompt":"Hi","max_tokens":2})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/v1/completions",
                        R"({"model":"escape","prompt":"Hi","max_tokens":2})")
                .status,
            404);
  r = HttpRequest(server.port(), "POST", "/v1/completions",
                  R"({"model":"broken","prompt":"Hi","max_tokens":2})");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("broken.gguf"), std::string::npos) << r.body;
  EXPECT_EQ(HttpRequest(server.port(), "DELETE", "/v1/models/family/tiny").status, 200);
  EXPECT_EQ(HttpRequest(server.port(), "DELETE", "/v1/models/family/tiny").status, 404);
  server.Stop();
  fs::remove_all(dir);
}

TEST(ServerOptions, PortInUseIsAClearError) {
  const fs::path data = testing::FreshTempDir("server", "port");
  ServerProcess first({"-m", testing::FixtureModel(), "--data-dir", data.string()});
  ASSERT_TRUE(first.ok());
  const testing::ProcessResult second = testing::RunProcess(
      {testing::InfernoBinary(), "serve", "--port", std::to_string(first.port()), "-m",
       testing::FixtureModel(), "--data-dir", data.string()});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("Address already in use"), std::string::npos) << second.err;
  fs::remove_all(data);
}

}  // namespace
}  // namespace inferno
