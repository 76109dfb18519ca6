// Remote OpenAI-compatible endpoints (server/remote_proxy.h) against real servers on loopback:
// llama.cpp's llama-server serving a fixture model and a second `inferno serve`, each asked
// directly and through the proxy (the same text, the same logprobs); then a misbehaving fake
// endpoint (tests/fake_openai.h) for the faults: a clear error, never a hang, the local model
// unaffected. No network: everything listens on 127.0.0.1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/fake_openai.h"
#include "tests/llama_server.h"
#include "tests/server_process.h"
#include "tests/subprocess.h"

extern char** environ;

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::FakeOpenAi;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::LlamaServer;
using testing::PeerServerBinary;
using testing::ServerProcess;

std::string ChatBody(const std::string& model, bool stream, const std::string& extra = "") {
  return R"({"model":")" + model +
         R"(","messages":[{"role":"user","content":"Tell me about the sea."}],)"
         R"("max_tokens":12,"temperature":0,"stream":)" +
         (stream ? "true" : "false") + extra + "}";
}

// The text of a chat stream (its deltas' content), checking every chunk names `model`.
std::string StreamText(const HttpResponse& r, const std::string& model, json::array* logprobs) {
  std::string text;
  const std::vector<std::string> data = testing::SseData(r.body);
  EXPECT_FALSE(data.empty());
  if (data.empty()) return text;
  EXPECT_EQ(data.back(), "[DONE]");
  for (const std::string& d : data) {
    if (d == "[DONE]") continue;
    json::object o = testing::ParseJsonObject(d);
    EXPECT_FALSE(o.contains("error")) << d;
    EXPECT_EQ(o["model"], json::value(model)) << d;
    for (const json::value& c : o["choices"].as_array()) {
      const json::object& choice = c.as_object();
      const json::value* delta = choice.if_contains("delta");
      if (delta == nullptr) continue;
      if (const json::value* t = delta->as_object().if_contains("content"); t && t->is_string())
        text += t->as_string();
      const json::value* lp = choice.if_contains("logprobs");
      if (logprobs && lp && lp->is_object() && lp->as_object().contains("content")) {
        for (const json::value& tok : lp->as_object().at("content").as_array())
          logprobs->push_back(tok);
      }
    }
  }
  return text;
}

json::object Message(const HttpResponse& r) {
  json::object o = testing::ParseJsonObject(r.body);
  return o["choices"].as_array().at(0).as_object();
}

fs::path Fresh() {
  return testing::FreshTempDir("remote",
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

const json::object* FindModel(const json::object& list, const std::string& id) {
  for (const json::value& m : list.at("data").as_array()) {
    if (m.as_object().at("id") == json::value(id)) return &m.as_object();
  }
  return nullptr;
}

// The last "data:" payload of a stream, parsed (the error event before [DONE]).
json::object LastEvent(const HttpResponse& r) {
  std::vector<std::string> data = testing::SseData(r.body);
  EXPECT_GE(data.size(), 2u) << r.body;
  if (data.size() < 2) return {};
  EXPECT_EQ(data.back(), "[DONE]");
  return testing::ParseJsonObject(data[data.size() - 2]);
}

std::string ErrorCode(const json::object& o) {
  const json::value* e = o.if_contains("error");
  if (e == nullptr || !e->is_object()) return "";
  const json::value* c = e->as_object().if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : "";
}

TEST(RemoteApi, LlamaServerThroughTheProxyAnswersAsDirectly) {
  if (!fs::exists(PeerServerBinary())) GTEST_SKIP() << "no llama-server at " << PeerServerBinary();
  LlamaServer peer(testing::FixtureModel(), "tiny");
  ASSERT_TRUE(peer.ready());
  const fs::path dir = Fresh();
  ServerProcess inferno({"-m", testing::FixtureModel(), "--data-dir", dir.string(), "--remote",
                         "peer=" + peer.url()});
  ASSERT_TRUE(inferno.ok()) << inferno.startup_output();

  HttpResponse test = HttpRequest(inferno.port(), "POST", "/api/remotes/peer/test");
  ASSERT_EQ(test.status, 200) << test.body;
  json::object info = testing::ParseJsonObject(test.body);
  EXPECT_EQ(info["health"].as_object()["ok"], json::value(true)) << test.body;
  EXPECT_EQ(info["models"], json::array{"peer/tiny"});
  EXPECT_EQ(info["source"], json::value("config"));

  json::object list =
      testing::ParseJsonObject(HttpRequest(inferno.port(), "GET", "/v1/models").body);
  const json::object* m = FindModel(list, "peer/tiny");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->at("remote"), json::value(true));
  EXPECT_EQ(m->at("owned_by"), json::value("peer"));
  EXPECT_NE(FindModel(list, "llama-tiny-Q8_0"), nullptr);  // the local model stays listed
  HttpResponse tags = HttpRequest(inferno.port(), "GET", "/api/tags");
  EXPECT_NE(tags.body.find(R"("name":"peer/tiny")"), std::string::npos) << tags.body;

  // Whole: the same text and the same logprobs/top_logprobs as llama-server gives directly.
  const std::string lp = R"(,"logprobs":true,"top_logprobs":3)";
  HttpResponse direct =
      HttpRequest(peer.port(), "POST", "/v1/chat/completions", ChatBody("tiny", false, lp));
  HttpResponse proxied =
      HttpRequest(inferno.port(), "POST", "/v1/chat/completions", ChatBody("peer/tiny", false, lp));
  ASSERT_EQ(direct.status, 200) << direct.body;
  ASSERT_EQ(proxied.status, 200) << proxied.body;
  const json::object want = Message(direct), got = Message(proxied);
  const std::string text(want.at("message").as_object().at("content").as_string());
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(got.at("message").as_object().at("content"), json::value(text));
  EXPECT_EQ(got.at("logprobs"), want.at("logprobs"));
  EXPECT_EQ(want.at("logprobs")
                .as_object()
                .at("content")
                .as_array()
                .at(0)
                .as_object()
                .at("top_logprobs")
                .as_array()
                .size(),
            3u);
  EXPECT_EQ(testing::ParseJsonObject(proxied.body)["model"], json::value("peer/tiny"));

  // Streamed: the same text, chunk by chunk, with the tokens' logprobs.
  HttpResponse stream =
      HttpRequest(inferno.port(), "POST", "/v1/chat/completions", ChatBody("peer/tiny", true, lp));
  ASSERT_EQ(stream.status, 200) << stream.body;
  EXPECT_EQ(stream.headers["content-type"].rfind("text/event-stream", 0), 0u);
  json::array stream_logprobs;
  EXPECT_EQ(StreamText(stream, "peer/tiny", &stream_logprobs), text);
  ASSERT_EQ(stream_logprobs.size(),
            want.at("logprobs").as_object().at("content").as_array().size());
  for (size_t i = 0; i < stream_logprobs.size(); ++i) {
    EXPECT_EQ(stream_logprobs[i].as_object().at("token"),
              want.at("logprobs").as_object().at("content").as_array()[i].as_object().at("token"));
  }

  // /v1/completions too.
  const std::string completion = R"({"prompt":"Once upon a time","max_tokens":8,"temperature":0)";
  HttpResponse c_direct =
      HttpRequest(peer.port(), "POST", "/v1/completions", completion + R"(,"model":"tiny"})");
  HttpResponse c_proxied = HttpRequest(inferno.port(), "POST", "/v1/completions",
                                       completion + R"(,"model":"peer/tiny"})");
  ASSERT_EQ(c_proxied.status, 200) << c_proxied.body;
  EXPECT_EQ(Message(c_proxied).at("text"), Message(c_direct).at("text"));

  // The local model answers as before.
  EXPECT_EQ(HttpRequest(inferno.port(), "POST", "/v1/chat/completions",
                        ChatBody("llama-tiny-Q8_0", false))
                .status,
            200);
  fs::remove_all(dir);
}

TEST(RemoteApi, SecondInfernoWithItsKeyFromTheEnvironment) {
  constexpr const char* kKey = "remote-k3y-never-shown-91";
  const fs::path dir_b = Fresh() / "b", dir_a = Fresh() / "a";
  ServerProcess b({"-m", testing::FixtureModel(), "--data-dir", dir_b.string(), "--api-key", kKey});
  ASSERT_TRUE(b.ok()) << b.startup_output();
  const std::string b_url = "http://127.0.0.1:" + std::to_string(b.port());
  setenv("INFERNO_TEST_REMOTE_KEY", kKey, 1);
  ServerProcess a({"-m", testing::FixtureModel("llama-tiny-Q4_0"), "--data-dir", dir_a.string(),
                   "--remote", "b=" + b_url, "--remote-key-env", "b=INFERNO_TEST_REMOTE_KEY"});
  unsetenv("INFERNO_TEST_REMOTE_KEY");
  ASSERT_TRUE(a.ok()) << a.startup_output();

  HttpResponse test = HttpRequest(a.port(), "POST", "/api/remotes/b/test");
  ASSERT_EQ(test.status, 200) << test.body;
  EXPECT_EQ(testing::ParseJsonObject(test.body)["has_key"], json::value(true));
  json::object list = testing::ParseJsonObject(HttpRequest(a.port(), "GET", "/v1/models").body);
  ASSERT_NE(FindModel(list, "b/llama-tiny-Q8_0"), nullptr) << json::serialize(list);

  const std::map<std::string, std::string> auth = {
      {"Authorization", std::string("Bearer ") + kKey}};
  HttpResponse direct = HttpRequest(b.port(), "POST", "/v1/chat/completions",
                                    ChatBody("llama-tiny-Q8_0", false), auth);
  HttpResponse proxied =
      HttpRequest(a.port(), "POST", "/v1/chat/completions", ChatBody("b/llama-tiny-Q8_0", false));
  ASSERT_EQ(direct.status, 200) << direct.body;
  ASSERT_EQ(proxied.status, 200) << proxied.body;
  const json::value text = Message(direct).at("message").as_object().at("content");
  EXPECT_EQ(Message(proxied).at("message").as_object().at("content"), text);
  HttpResponse stream =
      HttpRequest(a.port(), "POST", "/v1/chat/completions", ChatBody("b/llama-tiny-Q8_0", true));
  EXPECT_EQ(StreamText(stream, "b/llama-tiny-Q8_0", nullptr), text.as_string());

  // The key is in no answer and no log of the proxying server.
  for (const char* path :
       {"/api/remotes", "/v1/models", "/api/tags", "/v1/models/b/llama-tiny-Q8_0"}) {
    HttpResponse r = HttpRequest(a.port(), "GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body.find(kKey), std::string::npos) << path;
  }
  EXPECT_EQ(a.startup_output().find(kKey), std::string::npos);
  a.Stop();
  for (const auto& e : fs::recursive_directory_iterator(dir_a)) {
    if (e.is_regular_file()) {
      EXPECT_EQ(testing::ReadAll(e.path()).find(kKey), std::string::npos) << e.path();
    }
  }
  fs::remove_all(dir_a.parent_path());
  fs::remove_all(dir_b.parent_path());
}

TEST(RemoteApi, WrongKeyFromAFileIsReportedNotLeaked) {
  const fs::path dir = Fresh();
  fs::create_directories(dir);
  ServerProcess b({"-m", testing::FixtureModel(), "--data-dir", (dir / "b").string(), "--api-key",
                   "the-right-key"});
  ASSERT_TRUE(b.ok());
  std::ofstream(dir / "key.txt") << "a-wrong-key-5150\n";
  ServerProcess a({"-m", testing::FixtureModel(), "--data-dir", (dir / "a").string(), "--remote",
                   "b=http://127.0.0.1:" + std::to_string(b.port()), "--remote-key-file",
                   "b=" + (dir / "key.txt").string()});
  ASSERT_TRUE(a.ok()) << a.startup_output();
  HttpResponse test = HttpRequest(a.port(), "POST", "/api/remotes/b/test");
  ASSERT_EQ(test.status, 200);
  json::object health = testing::ParseJsonObject(test.body)["health"].as_object();
  EXPECT_EQ(health["ok"], json::value(false));
  EXPECT_EQ(health["error"],
            json::value("GET /v1/models answered HTTP 401 (check the endpoint's API key)"));
  EXPECT_EQ(test.body.find("a-wrong-key-5150"), std::string::npos);
  HttpResponse chat =
      HttpRequest(a.port(), "POST", "/v1/chat/completions", ChatBody("b/llama-tiny-Q8_0", false));
  EXPECT_EQ(chat.status, 401);  // the remote's own answer, passed through
  EXPECT_EQ(testing::ErrorField(chat, "code"), "invalid_api_key");
  fs::remove_all(dir);
}

TEST(RemoteApi, BadRemoteFlagsStopTheServerWithAMessage) {
  const fs::path dir = Fresh();
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--remote", "nourl"}, "--remote takes NAME=VALUE (got 'nourl')"},
           {{"--remote", "a/b=http://h"}, "may only hold letters"},
           {{"--remote", "x=ftp://h"}, "url must start with http:// or https://"},
           {{"--remote", "x=http://h", "--remote-key-env", "x=INFERNO_TEST_UNSET_VAR_1"},
            "the environment variable INFERNO_TEST_UNSET_VAR_1 is not set"},
           {{"--remote-key-file", "y=/nonexistent/key"}, "cannot read --remote-key-file"},
       }) {
    std::vector<std::string> argv = {
        testing::InfernoBinary(), "serve", "--port", "0", "--data-dir", dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    testing::ProcessResult r = testing::RunProcess(argv);
    EXPECT_EQ(r.exit_code, 1) << args[1];
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  fs::remove_all(dir);
}

TEST(RemoteApi, ConfigFileSectionAddsEndpointsWithTheirKeys) {
  FakeOpenAi fake;
  const fs::path dir = Fresh();
  fs::create_directories(dir);
  std::ofstream(dir / "fk.key") << "file-key-1\n";
  std::ofstream(dir / "inferno.toml")
      << "[serve]\nremote = [\"fk=" << fake.url() << "\"]\n"
      << "remote-key-file = [\"fk=" << (dir / "fk.key").string() << "\"]\nremote-timeout = 30\n";
  ServerProcess server({"--config", (dir / "inferno.toml").string(), "-m", testing::FixtureModel(),
                        "--data-dir", (dir / "data").string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  HttpResponse chat =
      HttpRequest(server.port(), "POST", "/v1/chat/completions", ChatBody("fk/fake", false));
  EXPECT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(fake.last_authorization(), "Bearer file-key-1");
  fs::remove_all(dir);
}

TEST(RemoteApi, SettingsRoutesAddTestRemoveAndPersist) {
  FakeOpenAi fake;
  const fs::path dir = Fresh();
  const std::vector<std::string> args = {
      "-m", testing::FixtureModel(), "--data-dir", dir.string(), "--remote", "cfg=" + fake.url()};
  auto server = std::make_unique<ServerProcess>(args);
  ASSERT_TRUE(server->ok());
  const int port = server->port();
  const std::string add = R"({"name":"fk","url":")" + fake.url() + R"(","api_key":"sk-secret-77"})";
  HttpResponse added = HttpRequest(port, "POST", "/api/remotes", add);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.body.find("sk-secret-77"), std::string::npos);
  json::object info = testing::ParseJsonObject(added.body);
  EXPECT_EQ(info["health"].as_object()["ok"], json::value(true)) << added.body;
  EXPECT_EQ(info["models"], json::array{"fk/fake"});
  EXPECT_EQ(info["has_key"], json::value(true));
  EXPECT_EQ(fake.last_authorization(), "");  // /v1/models is not a completion

  HttpResponse chat = HttpRequest(port, "POST", "/v1/chat/completions", ChatBody("fk/fake", false));
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(testing::ParseJsonObject(chat.body)["model"], json::value("fk/fake"));
  EXPECT_EQ(fake.last_authorization(), "Bearer sk-secret-77");
  EXPECT_NE(fake.last_body().find(R"("model":"fake")"), std::string::npos) << fake.last_body();

  EXPECT_EQ(HttpRequest(port, "POST", "/api/remotes", add).status, 409);
  EXPECT_EQ(HttpRequest(port, "POST", "/api/remotes", R"({"name":"x","url":"file:///etc"})").status,
            400);
  EXPECT_EQ(HttpRequest(port, "POST", "/api/remotes", add, {{"Content-Type", "text/plain"}}).status,
            415);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/api/remotes/cfg").status, 409);
  EXPECT_EQ(HttpRequest(port, "POST", "/api/remotes/none/test").status, 404);

  // Stored: there after a restart; the command line's is not stored.
  server = std::make_unique<ServerProcess>(args);
  ASSERT_TRUE(server->ok());
  HttpResponse list = HttpRequest(server->port(), "GET", "/api/remotes");
  json::array data = testing::ParseJsonObject(list.body)["data"].as_array();
  ASSERT_EQ(data.size(), 2u) << list.body;
  EXPECT_EQ(data[0].as_object()["name"], json::value("cfg"));
  EXPECT_EQ(data[1].as_object()["source"], json::value("stored"));
  EXPECT_EQ(list.body.find("sk-secret-77"), std::string::npos);
  EXPECT_EQ(HttpRequest(server->port(), "DELETE", "/api/remotes/fk").status, 200);
  EXPECT_EQ(HttpRequest(server->port(), "DELETE", "/api/remotes/fk").status, 404);
  EXPECT_EQ(HttpRequest(server->port(), "POST", "/v1/chat/completions", ChatBody("fk/fake", false))
                .status,
            404);
  server.reset();
  fs::remove_all(dir);
}

class RemoteFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = Fresh();
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "-m", testing::FixtureModel(), "--data-dir", dir_.string(), "--remote", "fk=" + fake_.url(),
        "--remote", "gone=http://127.0.0.1:" + std::to_string(testing::RefusingPort()),
        "--remote-timeout", "1", "--remote-connect-timeout", "1"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  void TearDown() override {
    // The local model is unaffected by whatever the remote did.
    HttpResponse local =
        HttpRequest(port(), "POST", "/v1/chat/completions", ChatBody("llama-tiny-Q8_0", false));
    EXPECT_EQ(local.status, 200) << local.body;
    server_.reset();
    fs::remove_all(dir_);
  }
  int port() const { return server_->port(); }
  HttpResponse Chat(const std::string& model, bool stream) {
    return HttpRequest(port(), "POST", "/v1/chat/completions", ChatBody(model, stream));
  }
  FakeOpenAi fake_;
  fs::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(RemoteFaults, DropMidStream) {
  fake_.set_mode(FakeOpenAi::Mode::kDrop);
  HttpResponse s = Chat("fk/fake", true);
  EXPECT_EQ(s.status, 200);
  EXPECT_NE(s.body.find("tick"), std::string::npos);  // what came before the drop was relayed
  EXPECT_EQ(ErrorCode(LastEvent(s)), "remote_failed") << s.body;
  HttpResponse w = Chat("fk/fake", false);
  EXPECT_EQ(w.status, 502) << w.body;
  EXPECT_EQ(testing::ErrorField(w, "code"), "remote_failed");
  // The other front ends answer the same failure as the upstream's (502), each in its shape.
  HttpResponse r = HttpRequest(port(), "POST", "/v1/responses",
                               R"({"model":"fk/fake","input":"hi","max_output_tokens":8})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("closed the stream before it ended"), std::string::npos) << r.body;
  HttpResponse m = HttpRequest(port(), "POST", "/v1/messages",
                               R"({"model":"fk/fake","max_tokens":8,)"
                               R"("messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(m.status, 502) << m.body;
  EXPECT_EQ(testing::ParseJsonObject(m.body)["error"].as_object()["type"], json::value("api_error"))
      << m.body;
}

TEST_F(RemoteFaults, GarbageChunks) {
  fake_.set_mode(FakeOpenAi::Mode::kGarbage);
  HttpResponse s = Chat("fk/fake", true);
  json::object last = LastEvent(s);
  EXPECT_EQ(ErrorCode(last), "remote_bad_response") << s.body;
  EXPECT_NE(json::serialize(last).find("not a JSON object"), std::string::npos);
  HttpResponse w = Chat("fk/fake", false);
  EXPECT_EQ(w.status, 502);
  EXPECT_EQ(testing::ErrorField(w, "code"), "remote_bad_response");
}

TEST_F(RemoteFaults, StallPastTheTimeout) {
  fake_.set_mode(FakeOpenAi::Mode::kStall);
  HttpResponse s = Chat("fk/fake", true);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(ErrorCode(LastEvent(s)), "remote_timeout") << s.body;
  HttpResponse w = Chat("fk/fake", false);
  EXPECT_EQ(w.status, 504) << w.body;
  EXPECT_EQ(testing::ErrorField(w, "code"), "remote_timeout");
  // Both upstream requests were closed by the proxy; the fake notices the second close on its
  // own thread, possibly after the client has its 504: wait for it, bounded.
  for (int i = 0; i < 200 && fake_.abandoned() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(fake_.abandoned(), 2);
}

TEST_F(RemoteFaults, RefusedConnection) {
  for (bool stream : {false, true}) {
    HttpResponse r = Chat("gone/any", stream);
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(testing::ErrorField(r, "code"), "remote_unreachable");
    EXPECT_NE(testing::ErrorField(r, "message").find("could not connect"), std::string::npos);
  }
  HttpResponse list = HttpRequest(port(), "GET", "/api/remotes");
  const json::object endpoints = testing::ParseJsonObject(list.body);
  int seen = 0;
  for (const json::value& e : endpoints.at("data").as_array()) {
    if (e.as_object().at("name") != json::value("gone")) continue;
    const json::object& h = e.as_object().at("health").as_object();
    EXPECT_EQ(h.at("ok"), json::value(false));
    EXPECT_NE(json::serialize(h.at("error")).find("could not connect"), std::string::npos);
    ++seen;
  }
  EXPECT_EQ(seen, 1);
}

TEST_F(RemoteFaults, ClientDisconnectCancelsTheRemoteRequest) {
  fake_.set_mode(FakeOpenAi::Mode::kTrickle);
  const int fd =
      testing::OpenStreamAndRead(port(), "/v1/chat/completions", ChatBody("fk/fake", true), 600);
  ASSERT_GE(fd, 0);
  close(fd);
  // Waits for the event (the fake seeing its connection closed), bounded so a bug fails
  // rather than hangs.
  for (int i = 0; i < 600 && fake_.abandoned() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(fake_.abandoned(), 1);
}

// A proxied request holds its client's place like a local one: with --max-client-requests 1,
// a stream from a remote model in progress refuses the same client's next request, remote or
// local, with 429 naming the flag, and the place is free again once that stream has ended.
TEST(RemoteAdmission, ProxiedRequestsCountAgainstTheClientBound) {
  FakeOpenAi fake;
  fake.set_mode(FakeOpenAi::Mode::kTrickle);
  const fs::path dir = Fresh();
  ServerProcess server({"-m", testing::FixtureModel(), "--data-dir", dir.string(), "--remote",
                        "fk=" + fake.url(), "--max-client-requests", "1", "--remote-timeout",
                        "3"});  // a request let through by mistake fails, rather than hangs
  ASSERT_TRUE(server.ok()) << server.startup_output();
  const int port = server.port();
  const int fd =
      testing::OpenStreamAndRead(port, "/v1/chat/completions", ChatBody("fk/fake", true), 600);
  ASSERT_GE(fd, 0);
  for (const std::string model : {"fk/fake", "llama-tiny-Q8_0"}) {
    HttpResponse refused =
        HttpRequest(port, "POST", "/v1/chat/completions", ChatBody(model, false));
    EXPECT_EQ(refused.status, 429) << model << ": " << refused.body;
    EXPECT_NE(refused.body.find("--max-client-requests"), std::string::npos) << refused.body;
  }
  close(fd);
  // The proxy notices the hang-up at its next write (the fake trickles), then frees the place.
  HttpResponse after;
  for (int i = 0; i < 200; ++i) {
    after = HttpRequest(port, "POST", "/v1/chat/completions", ChatBody("llama-tiny-Q8_0", false));
    if (after.status != 429) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(after.status, 200) << after.body;
  fs::remove_all(dir);
}

// The endpoints are checked again every --remote-check-interval: one that goes down shows as
// unreachable in /api/remotes without a request or a "test" press.
TEST(RemoteHealth, CheckedAgainEveryInterval) {
  auto fake = std::make_unique<FakeOpenAi>();
  const fs::path dir = Fresh();
  ServerProcess server({"-m", testing::FixtureModel(), "--data-dir", dir.string(), "--remote",
                        "fk=" + fake->url(), "--remote-check-interval", "0.2",
                        "--remote-connect-timeout", "1"});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  // The health of "fk": nullopt until the first check has answered.
  auto health = [&]() -> std::optional<json::object> {
    const json::object list =
        testing::ParseJsonObject(HttpRequest(server.port(), "GET", "/api/remotes").body);
    for (const json::value& e : list.at("data").as_array()) {
      const json::object& h = e.as_object().at("health").as_object();
      if (h.contains("ok") && !h.at("ok").is_null() &&
          (h.at("ok") == json::value(false) || h.at("ok") == json::value(true))) {
        return h;
      }
    }
    return std::nullopt;
  };
  auto wait_for = [&](bool ok) {
    for (int i = 0; i < 200; ++i) {
      std::optional<json::object> h = health();
      if (h && h->at("ok") == json::value(ok)) return *h;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return health().value_or(json::object{});
  };
  EXPECT_EQ(wait_for(true).at("ok"), json::value(true));
  fake.reset();  // the endpoint goes away
  const json::object down = wait_for(false);
  ASSERT_EQ(down.at("ok"), json::value(false)) << json::serialize(down);
  EXPECT_NE(json::serialize(down.at("error")).find("could not connect"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inferno
