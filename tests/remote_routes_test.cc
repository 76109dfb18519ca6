// Remote models through the front ends with no wire of their own on a remote (Ollama's
// /api/chat and /api/generate, /v1/responses, Anthropic's /v1/messages: translated to the
// remote's OpenAI API, server/remote_generation.h) and /v1/embeddings (forwarded), and the
// load sweep (server/load_sweep.h) from POST /bench and `inferno bench --url`; against
// llama.cpp's llama-server on a fixture model and a second `inferno serve`. The oracle is
// always the remote's own answer to the same request on its OpenAI API.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/fake_openai.h"
#include "tests/llama_server.h"
#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::FakeOpenAi;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::LlamaServer;
using testing::ServerProcess;

fs::path Fresh() {
  return testing::FreshTempDir("remote_routes",
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

constexpr const char* kQuestion = "Tell me about the sea.";

// llama-server's own answer to the question (greedy, 10 tokens) on its OpenAI API.
std::string DirectAnswer(int port, const std::string& model) {
  const std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" +
                           kQuestion + R"("}],"max_tokens":10,"temperature":0})";
  HttpResponse r = HttpRequest(port, "POST", "/v1/chat/completions", body);
  EXPECT_EQ(r.status, 200) << r.body;
  json::object o = testing::ParseJsonObject(r.body);
  return std::string(o["choices"]
                         .as_array()
                         .at(0)
                         .as_object()
                         .at("message")
                         .as_object()
                         .at("content")
                         .as_string());
}

std::vector<json::object> NdjsonLines(const std::string& body) {
  std::vector<json::object> out;
  size_t at = 0;
  while (at < body.size()) {
    size_t nl = body.find('\n', at);
    if (nl == std::string::npos) nl = body.size();
    if (nl > at) out.push_back(testing::ParseJsonObject(body.substr(at, nl - at)));
    at = nl + 1;
  }
  return out;
}

class RemoteRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(testing::PeerServerBinary())) return;
    peer_ = new LlamaServer(testing::FixtureModel(), "tiny", {"--parallel", "4"});
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    if (peer_ == nullptr) GTEST_SKIP() << "no llama-server at " << testing::PeerServerBinary();
    ASSERT_TRUE(peer_->ready());
    dir_ = Fresh();
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"-m", testing::FixtureModel(), "--data-dir", dir_.string(),
                                 "--remote", "peer=" + peer_->url(), "--remote",
                                 "gone=http://127.0.0.1:" + std::to_string(testing::RefusingPort()),
                                 "--remote-connect-timeout", "1"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  int port() const { return server_->port(); }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpRequest(port(), "POST", path, body);
  }
  static LlamaServer* peer_;
  fs::path dir_;
  std::unique_ptr<ServerProcess> server_;
};
LlamaServer* RemoteRoutes::peer_ = nullptr;

TEST_F(RemoteRoutes, OllamaChatAndGenerateAnswerAsTheRemote) {
  const std::string want = DirectAnswer(peer_->port(), "tiny");
  ASSERT_FALSE(want.empty());
  const std::string chat = R"({"model":"peer/tiny","messages":[{"role":"user","content":")" +
                           std::string(kQuestion) +
                           R"("}],"options":{"temperature":0,"num_predict":10})";
  HttpResponse whole = Post("/api/chat", chat + R"(,"stream":false})");
  ASSERT_EQ(whole.status, 200) << whole.body;
  json::object o = testing::ParseJsonObject(whole.body);
  EXPECT_EQ(o["model"], json::value("peer/tiny"));
  EXPECT_EQ(o["message"].as_object()["content"], json::value(want));
  EXPECT_EQ(o["done"], json::value(true));
  EXPECT_GT(o["prompt_eval_count"].to_number<int64_t>(), 0);  // the remote's usage
  EXPECT_GT(o["eval_count"].to_number<int64_t>(), 0);

  HttpResponse streamed = Post("/api/chat", chat + "}");  // Ollama streams by default
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.headers["content-type"].rfind("application/x-ndjson", 0), 0u);
  std::string text;
  const std::vector<json::object> lines = NdjsonLines(streamed.body);
  ASSERT_GE(lines.size(), 2u);
  for (const json::object& l : lines) {
    text += l.at("message").as_object().at("content").as_string();
  }
  EXPECT_EQ(text, want);
  EXPECT_EQ(lines.back().at("done"), json::value(true));
  EXPECT_TRUE(lines.back().contains("done_reason"));

  // /api/generate: the prompt as one user message, rendered by the remote's template.
  HttpResponse gen =
      Post("/api/generate", R"({"model":"peer/tiny","prompt":")" + std::string(kQuestion) +
                                R"(","stream":false,"options":{"temperature":0,)"
                                R"("num_predict":10}})");
  ASSERT_EQ(gen.status, 200) << gen.body;
  json::object g = testing::ParseJsonObject(gen.body);
  EXPECT_EQ(g["response"], json::value(want));
  EXPECT_FALSE(g.contains("context"));  // token ids of a remote model: none to give
}

TEST_F(RemoteRoutes, ResponsesAndMessagesAnswerAsTheRemote) {
  const std::string want = DirectAnswer(peer_->port(), "tiny");
  HttpResponse resp =
      Post("/v1/responses", R"({"model":"peer/tiny","input":")" + std::string(kQuestion) +
                                R"(","max_output_tokens":10,"temperature":0})");
  ASSERT_EQ(resp.status, 200) << resp.body;
  json::object r = testing::ParseJsonObject(resp.body);
  EXPECT_EQ(r["model"], json::value("peer/tiny"));
  // The text is in output[0].content[0] (`output_text` is the client libraries' convenience).
  const json::object& part =
      r["output"].as_array().at(0).as_object().at("content").as_array().at(0).as_object();
  EXPECT_EQ(part.at("text"), json::value(want)) << resp.body;
  EXPECT_GT(r["usage"].as_object()["input_tokens"].to_number<int64_t>(), 0);

  const std::string messages = R"({"model":"peer/tiny","max_tokens":10,"temperature":0,)"
                               R"("messages":[{"role":"user","content":")" +
                               std::string(kQuestion) + R"("}])";
  HttpResponse msg = Post("/v1/messages", messages + "}");
  ASSERT_EQ(msg.status, 200) << msg.body;
  json::object m = testing::ParseJsonObject(msg.body);
  EXPECT_EQ(m["model"], json::value("peer/tiny"));
  EXPECT_EQ(m["content"].as_array().at(0).as_object().at("text"), json::value(want));
  EXPECT_TRUE(m["stop_reason"] == json::value("max_tokens") ||
              m["stop_reason"] == json::value("end_turn"))
      << msg.body;
  // The prompt as the remote counted it (its usage), the same count /v1/responses reported;
  // Anthropic's usage splits it into input and what the prompt cache held.
  const auto prompt_of = [](json::object& u) {
    return u["input_tokens"].to_number<int64_t>() +
           u["cache_read_input_tokens"].to_number<int64_t>();
  };
  EXPECT_EQ(prompt_of(m["usage"].as_object()),
            r["usage"].as_object()["input_tokens"].to_number<int64_t>())
      << msg.body;

  HttpResponse stream = Post("/v1/messages", messages + R"(,"stream":true})");
  ASSERT_EQ(stream.status, 200) << stream.body;
  std::vector<std::string> names;
  std::string text;
  int64_t usage_in_delta = -1;
  for (const std::string& d : testing::SseData(stream.body, &names)) {
    json::object e = testing::ParseJsonObject(d);
    if (e["type"] == json::value("content_block_delta")) {
      text += e["delta"].as_object()["text"].as_string();
    }
    if (e["type"] == json::value("message_delta")) {
      usage_in_delta = prompt_of(e["usage"].as_object());
    }
  }
  EXPECT_EQ(text, want);
  EXPECT_EQ(usage_in_delta, r["usage"].as_object()["input_tokens"].to_number<int64_t>())
      << stream.body;
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "message_start");
  EXPECT_EQ(names.back(), "message_stop");

  // count_tokens needs the tokenizer, which stays on the remote: a clear 400.
  HttpResponse count = Post("/v1/messages/count_tokens", messages + "}");
  EXPECT_EQ(count.status, 400) << count.body;
  EXPECT_NE(count.body.find("not available for the remote model"), std::string::npos);
}

TEST_F(RemoteRoutes, AnUnreachableRemoteIsAClearErrorInEachRoutesShape) {
  const std::string question = R"("messages":[{"role":"user","content":"hi"}])";
  HttpResponse ollama = Post("/api/chat", R"({"model":"gone/x",)" + question + "}");
  EXPECT_EQ(ollama.status, 502) << ollama.body;
  json::object o = testing::ParseJsonObject(ollama.body);
  ASSERT_TRUE(o["error"].is_string()) << ollama.body;  // Ollama's shape
  EXPECT_NE(std::string(o["error"].as_string()).find("could not connect"), std::string::npos);

  HttpResponse anthropic =
      Post("/v1/messages", R"({"model":"gone/x","max_tokens":5,)" + question + "}");
  EXPECT_EQ(anthropic.status, 502) << anthropic.body;
  json::object a = testing::ParseJsonObject(anthropic.body);
  EXPECT_EQ(a["type"], json::value("error"));  // Anthropic's shape
  EXPECT_NE(json::serialize(a["error"]).find("could not connect"), std::string::npos);

  HttpResponse responses = Post("/v1/responses", R"({"model":"gone/x","input":"hi"})");
  EXPECT_EQ(responses.status, 502) << responses.body;
  EXPECT_EQ(testing::ErrorField(responses, "code"), "remote_unreachable");

  HttpResponse embed = Post("/v1/embeddings", R"({"model":"gone/x","input":"hi"})");
  EXPECT_EQ(embed.status, 502) << embed.body;
  EXPECT_EQ(testing::ErrorField(embed, "code"), "remote_unreachable");

  // What cannot be translated is refused, not dropped: Ollama's structured output.
  HttpResponse format =
      Post("/api/chat", R"({"model":"peer/tiny","format":"json","stream":false,)" + question + "}");
  EXPECT_EQ(format.status, 400) << format.body;
  EXPECT_NE(format.body.find("Structured output"), std::string::npos) << format.body;

  // The local model is unaffected. (num_predict: Ollama's default is no limit, and the random
  // fixture may not stop before its context ends, past the client's timeout on a loaded CI.)
  HttpResponse local = Post("/api/chat", R"({"model":"llama-tiny-Q8_0","stream":false,)"
                                         R"("options":{"num_predict":8},)" +
                                             question + "}");
  EXPECT_EQ(local.status, 200) << local.body;
}

// The load sweep from POST /bench (category load) at concurrency 1 and 4: every request
// answered, the counts as asked, the percentiles ordered; stored with the other runs.
TEST_F(RemoteRoutes, LoadSweepFromTheBenchRoute) {
  HttpResponse run = Post("/bench", R"({"category":"load","models":["peer/tiny"],)"
                                    R"("concurrency":[1,4],"requests":8,"prompt_sizes":[16],)"
                                    R"("gen_tokens":8})");
  ASSERT_EQ(run.status, 200) << run.body;
  std::vector<std::string> names;
  const std::vector<std::string> data = testing::SseData(run.body, &names);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.back(), "done") << run.body;
  std::vector<json::object> rows;
  int64_t run_id = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    json::object e = testing::ParseJsonObject(data[i]);
    if (names[i] == "result") rows.push_back(e["row"].as_object());
    if (names[i] == "done") run_id = e["run_id"].to_number<int64_t>();
  }
  ASSERT_EQ(rows.size(), 2u);
  int level = 0;
  for (const json::object& r : rows) {
    const int want_level = level++ == 0 ? 1 : 4;
    EXPECT_EQ(r.at("input_type"), json::value("load"));
    EXPECT_EQ(r.at("model"), json::value("peer/tiny"));
    EXPECT_EQ(r.at("model_path"), json::value(peer_->url()));
    EXPECT_EQ(r.at("concurrency"), json::value(want_level));
    EXPECT_EQ(r.at("requests"), json::value(8));
    EXPECT_EQ(r.at("failed_requests"), json::value(0)) << json::serialize(r);
    EXPECT_EQ(r.at("status"), json::value("ok"));
    EXPECT_EQ(r.at("generated_tokens"), json::value(8));  // ignore_eos: all of max_tokens
    EXPECT_GT(r.at("prompt_tokens").to_number<int64_t>(), 16);
    for (const char* what : {"ttft", "latency"}) {
      const std::string p = what;
      const double p50 = r.at(p + "_p50_ms").to_number<double>();
      const double p95 = r.at(p + "_p95_ms").to_number<double>();
      const double p99 = r.at(p + "_p99_ms").to_number<double>();
      EXPECT_GT(p50, 0) << what;
      EXPECT_LE(p50, p95) << what;
      EXPECT_LE(p95, p99) << what;
    }
    EXPECT_LE(r.at("ttft_p50_ms").to_number<double>(), r.at("latency_p50_ms").to_number<double>());
    EXPECT_GT(r.at("throughput_tps").to_number<double>(), 0);
    EXPECT_GT(r.at("decode_tps").to_number<double>(), 0);
  }
  HttpResponse stored = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(run_id));
  ASSERT_EQ(stored.status, 200);
  json::object s = testing::ParseJsonObject(stored.body);
  EXPECT_EQ(s["category"], json::value("load"));
  EXPECT_EQ(s["concurrency"], (json::array{1, 4}));
  EXPECT_EQ(s["status"], json::value("done"));
  EXPECT_EQ(s["rows"].as_array().size(), 2u);
  HttpResponse csv = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(run_id) + ".csv");
  EXPECT_NE(csv.body.find("latency_p99_ms"), std::string::npos);

  // A local model is not a server to sweep here: the CLI is named instead.
  HttpResponse local = Post("/bench", R"({"category":"load","models":["llama-tiny-Q8_0"]})");
  EXPECT_EQ(local.status, 400);
  EXPECT_NE(local.body.find("inferno bench --url"), std::string::npos);
  HttpResponse bad = Post("/bench", R"({"category":"load","models":["peer/tiny"],)"
                                    R"("concurrency":[0]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(testing::ErrorField(bad, "param"), "concurrency");
  // A remote that is down: the run fails with the reason.
  HttpResponse down = Post("/bench", R"({"category":"load","models":["gone/x"],)"
                                     R"("concurrency":[1],"requests":1})");
  ASSERT_EQ(down.status, 200);
  EXPECT_NE(down.body.find("event: error"), std::string::npos) << down.body;
  EXPECT_NE(down.body.find("every request at concurrency 1 failed"), std::string::npos);
}

// `inferno bench --url` against a second inferno serve (its local model, as a client of that
// server sees it), stored in the history of --data-dir.
TEST(RemoteLoadCli, SweepsASecondInfernoAndStoresTheRun) {
  const fs::path dir = Fresh();
  ServerProcess b({"-m", testing::FixtureModel(), "--data-dir", (dir / "b").string()});
  ASSERT_TRUE(b.ok()) << b.startup_output();
  const std::string url = "http://127.0.0.1:" + std::to_string(b.port());
  testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "bench", "--url", url + "/v1", "--model",
                           "llama-tiny-Q8_0", "--concurrency", "1,4", "--requests", "4", "-p", "16",
                           "-n", "6", "--json", "--data-dir", (dir / "b").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json::object> rows;
  for (const json::object& o : NdjsonLines(r.out)) rows.push_back(o);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0].at("concurrency"), json::value(1));
  EXPECT_EQ(rows[1].at("concurrency"), json::value(4));
  for (const json::object& row : rows) {
    EXPECT_EQ(row.at("requests"), json::value(4));
    EXPECT_EQ(row.at("failed_requests"), json::value(0));
    EXPECT_EQ(row.at("generated_tokens"), json::value(6));
    EXPECT_LE(row.at("latency_p50_ms").to_number<double>(),
              row.at("latency_p95_ms").to_number<double>());
    EXPECT_LE(row.at("latency_p95_ms").to_number<double>(),
              row.at("latency_p99_ms").to_number<double>());
  }
  // Stored in b's history (its database exists), as a cli run of the load category.
  HttpResponse runs = HttpRequest(b.port(), "GET", "/bench/runs");
  json::array data = testing::ParseJsonObject(runs.body)["data"].as_array();
  ASSERT_EQ(data.size(), 1u) << runs.body;
  EXPECT_EQ(data[0].as_object()["source"], json::value("cli"));
  EXPECT_EQ(data[0].as_object()["category"], json::value("load"));
  EXPECT_EQ(data[0].as_object()["row_count"], json::value(2));

  testing::ProcessResult bad = testing::RunProcess(
      {testing::InfernoBinary(), "bench", "--url", url, "--model", "x", "--concurrency", "1,a"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--concurrency expects"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

// /v1/embeddings of a remote model is forwarded: the same vector as the remote gives.
TEST(RemoteEmbeddings, ForwardedToASecondInferno) {
  const fs::path dir = Fresh();
  ServerProcess b({"-m", testing::FixtureModel(), "--data-dir", (dir / "b").string()});
  ASSERT_TRUE(b.ok()) << b.startup_output();
  ServerProcess a({"-m", testing::FixtureModel("llama-tiny-Q4_0"), "--data-dir",
                   (dir / "a").string(), "--remote",
                   "b=http://127.0.0.1:" + std::to_string(b.port())});
  ASSERT_TRUE(a.ok()) << a.startup_output();
  HttpResponse direct = HttpRequest(b.port(), "POST", "/v1/embeddings",
                                    R"({"model":"llama-tiny-Q8_0","input":"the sea"})");
  HttpResponse proxied = HttpRequest(a.port(), "POST", "/v1/embeddings",
                                     R"({"model":"b/llama-tiny-Q8_0","input":"the sea"})");
  ASSERT_EQ(direct.status, 200) << direct.body;
  ASSERT_EQ(proxied.status, 200) << proxied.body;
  json::object want = testing::ParseJsonObject(direct.body);
  json::object got = testing::ParseJsonObject(proxied.body);
  EXPECT_EQ(got["model"], json::value("b/llama-tiny-Q8_0"));
  EXPECT_EQ(got["data"], want["data"]);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inferno
