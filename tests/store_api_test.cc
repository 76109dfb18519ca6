// The store's REST API (/api/*) over loopback against the real binary: every endpoint, bad
// input of every kind, the API key, a database from a newer inferno, and durability: messages
// acknowledged with 201 survive a kill -9 of the server in the middle of a streamed completion.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ServerProcess;

json::value Parse(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v;
}

json::object Obj(const HttpResponse& r) {
  json::value v = Parse(r.body);
  return v.is_object() ? v.as_object() : json::object{};
}

std::string Str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }

// Checks an OpenAI-shaped error and returns its message.
std::string ErrorMessage(const HttpResponse& r) {
  json::object o = Obj(r);
  EXPECT_TRUE(o.contains("error")) << r.body;
  if (!o.contains("error")) return "";
  const json::object& e = o["error"].as_object();
  EXPECT_TRUE(e.contains("type") && e.contains("code")) << r.body;
  return Str(e.at("message"));
}

class StoreApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(testing::FreshTempDir("store_api", "data"));
    server_ = new ServerProcess({"-m", testing::FixtureModel(), "--data-dir", data_->string(),
                                 "--ctx-size", "256", "--threads", "1", "--body-limit", "2000000"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*data_);
    delete data_;
  }
  static HttpResponse Call(const std::string& method, const std::string& target,
                           const std::string& body = "") {
    return HttpRequest(server_->port(), method, target, body);
  }
  static std::string NewConversation(const std::string& body = R"({"title":"t"})") {
    HttpResponse r = Call("POST", "/api/conversations", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Str(Obj(r)["id"]);
  }
  static std::string Append(const std::string& id, const std::string& role,
                            const std::string& content) {
    HttpResponse r = Call("POST", "/api/conversations/" + id + "/messages",
                          json::serialize(json::object{{"role", role}, {"content", content}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return Str(Obj(r)["id"]);
  }

  static ServerProcess* server_;
  static fs::path* data_;
};
ServerProcess* StoreApiTest::server_ = nullptr;
fs::path* StoreApiTest::data_ = nullptr;

TEST_F(StoreApiTest, ConversationLifecycle) {
  HttpResponse created = Call("POST", "/api/conversations",
                              R"({"title":"Trip","model":"llama-tiny-Q8_0","system":"Be brief.",)"
                              R"("settings":{"temperature":0.7,"top_k":40}})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::object c = Obj(created);
  const std::string id = Str(c["id"]);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(c["title"], "Trip");
  EXPECT_EQ(c["model"], "llama-tiny-Q8_0");
  EXPECT_EQ(c["system"], "Be brief.");
  EXPECT_EQ(c["settings"].as_object()["top_k"], 40);
  EXPECT_EQ(Str(c["created_at"]).size(), 24u);  // 2026-11-25T08:30:00.123Z
  EXPECT_EQ(Str(c["created_at"]).back(), 'Z');
  EXPECT_TRUE(c["messages"].as_array().empty());

  HttpResponse got = Call("GET", "/api/conversations/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Obj(got)["settings"].as_object()["temperature"], 0.7);

  HttpResponse patched = Call("PATCH", "/api/conversations/" + id, R"({"title":"Paris trip"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Obj(patched)["title"], "Paris trip");
  EXPECT_EQ(Obj(patched)["system"], "Be brief.");

  // Empty body: every field is optional on create.
  HttpResponse empty = Call("POST", "/api/conversations", "");
  ASSERT_EQ(empty.status, 201) << empty.body;
  EXPECT_EQ(Obj(empty)["title"], "");

  EXPECT_EQ(Call("DELETE", "/api/conversations/" + id).status, 204);
  EXPECT_EQ(Call("GET", "/api/conversations/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/conversations/" + id).status, 404);
}

TEST_F(StoreApiTest, ListNewestFirstWithSearchAndPaging) {
  const std::string a = NewConversation(R"({"title":"zebra facts"})");
  const std::string b = NewConversation(R"({"title":"other"})");
  Append(b, "user", "Where do Quokkas live?");
  Append(a, "user", "hello");  // a is now the most recently active

  HttpResponse all = Call("GET", "/api/conversations?limit=500");
  ASSERT_EQ(all.status, 200);
  json::array list = Obj(all)["conversations"].as_array();
  ASSERT_GE(list.size(), 2u);
  EXPECT_EQ(Str(list[0].as_object()["id"]), a);
  EXPECT_EQ(Str(list[1].as_object()["id"]), b);
  EXPECT_EQ(list[0].as_object()["message_count"], 1);
  EXPECT_FALSE(list[0].as_object().contains("messages"));

  auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    json::object list = Obj(Call("GET", "/api/conversations?" + query));
    for (const json::value& v : list["conversations"].as_array()) {
      out.push_back(Str(v.as_object().at("id")));
    }
    return out;
  };
  EXPECT_EQ(ids("q=quokka"), std::vector<std::string>{b});
  EXPECT_EQ(ids("q=ZEBRA%20facts"), std::vector<std::string>{a});
  EXPECT_EQ(ids("limit=1"), std::vector<std::string>{a});
  EXPECT_EQ(ids("limit=1&offset=1"), std::vector<std::string>{b});
}

TEST_F(StoreApiTest, MessagesAppendAndTruncate) {
  const std::string id = NewConversation();
  HttpResponse first = Call("POST", "/api/conversations/" + id + "/messages",
                            R"({"role":"user","content":"Hi \u00e9\ud83d\ude00"})");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Obj(first)["content"], "Hi \xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(Obj(first).contains("model"));
  HttpResponse reply = Call("POST", "/api/conversations/" + id + "/messages",
                            R"({"role":"assistant","content":"Hello!","model":"llama-tiny-Q8_0",)"
                            R"("metrics":{"tokens":2,"tokens_per_second":41.5,"ttft_ms":12}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string second = Append(id, "user", "Tell me more");
  Append(id, "assistant", "More.");

  json::object c = Obj(Call("GET", "/api/conversations/" + id));
  json::array messages = c["messages"].as_array();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[1].as_object()["model"], "llama-tiny-Q8_0");
  EXPECT_EQ(messages[1].as_object()["metrics"].as_object()["tokens_per_second"], 41.5);
  EXPECT_EQ(messages[2].as_object()["content"], "Tell me more");

  // Regenerate: delete from the second user message on.
  EXPECT_EQ(Call("DELETE", "/api/conversations/" + id + "/messages/" + second).status, 204);
  messages = Obj(Call("GET", "/api/conversations/" + id))["messages"].as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].as_object()["content"], "Hello!");
  EXPECT_EQ(Call("DELETE", "/api/conversations/" + id + "/messages/" + second).status, 404);
}

TEST_F(StoreApiTest, ExportImportRoundTrip) {
  const std::string id = NewConversation(R"({"title":"Export me","settings":{"seed":7}})");
  Append(id, "user", "question");
  Append(id, "assistant", "answer");
  HttpResponse exported = Call("GET", "/api/conversations/" + id + "/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.headers["content-disposition"].find("attachment"), std::string::npos);
  json::object doc = Obj(exported);
  EXPECT_EQ(doc["format"], "inferno.conversation");
  EXPECT_EQ(doc["version"], 1);

  HttpResponse imported = Call("POST", "/api/conversations/import", exported.body);
  ASSERT_EQ(imported.status, 201) << imported.body;
  json::object copy = Obj(imported);
  json::object original = doc["conversation"].as_object();
  EXPECT_NE(copy["id"], original["id"]);
  for (const char* key : {"title", "model", "system", "settings", "created_at", "updated_at"}) {
    EXPECT_EQ(copy[key], original[key]) << key;
  }
  json::array a = original["messages"].as_array(), b = copy["messages"].as_array();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NE(a[i].as_object()["id"], b[i].as_object()["id"]);
    for (const char* key : {"role", "content", "created_at"}) {
      EXPECT_EQ(a[i].as_object()[key], b[i].as_object()[key]) << key;
    }
  }
  // The original is untouched.
  EXPECT_EQ(Obj(Call("GET", "/api/conversations/" + id))["messages"].as_array().size(), 2u);
}

TEST_F(StoreApiTest, ABadImportLeavesTheStoreUntouched) {
  const size_t before =
      Obj(Call("GET", "/api/conversations?limit=500"))["conversations"].as_array().size();
  // The first message is fine, the third is not: nothing at all may be written.
  const std::string bad_role =
      R"({"format":"inferno.conversation","version":1,"conversation":{"title":"x","messages":[)"
      R"({"role":"user","content":"ok"},{"role":"assistant","content":"ok"},)"
      R"({"role":"narrator","content":"no"}]}})";
  HttpResponse r = Call("POST", "/api/conversations/import", bad_role);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(ErrorMessage(r).find("messages[2]: role must be one of"), std::string::npos);
  const std::string huge =
      R"({"format":"inferno.conversation","version":1,"conversation":{"messages":[)"
      R"({"role":"user","content":"a"},{"role":"user","content":")" +
      std::string(600000, 'x') + R"("}]}})";
  EXPECT_EQ(Call("POST", "/api/conversations/import", huge).status, 413);
  EXPECT_EQ(Call("POST", "/api/conversations/import",
                 R"({"format":"inferno.conversation","version":1,"conversation":{"messages":[)"
                 R"({"role":"user","content":"a","created_at":"tuesday"}]}})")
                .status,
            400);
  EXPECT_EQ(Call("POST", "/api/conversations/import", R"({"format":"something else"})").status,
            400);
  HttpResponse v2 = Call("POST", "/api/conversations/import",
                         R"({"format":"inferno.conversation","version":2,"conversation":{}})");
  EXPECT_EQ(v2.status, 400);
  EXPECT_NE(ErrorMessage(v2).find("version 2 is not supported"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/conversations/import", "{not json").status, 400);
  EXPECT_EQ(Obj(Call("GET", "/api/conversations?limit=500"))["conversations"].as_array().size(),
            before);
}

TEST_F(StoreApiTest, Profiles) {
  HttpResponse created = Call("POST", "/api/profiles",
                              R"({"name":"Precise","model":"llama-tiny-Q8_0","system":"Exact.",)"
                              R"("settings":{"temperature":0}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = Str(Obj(created)["id"]);
  HttpResponse dup = Call("POST", "/api/profiles", R"({"name":"Precise"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_NE(ErrorMessage(dup).find("already exists"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/profiles", R"({"model":"x"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/profiles", R"({"name":""})").status, 400);

  HttpResponse put =
      Call("PUT", "/api/profiles/" + id,
           R"({"name":"Precise","system":"Exact and short.","settings":{"top_k":1}})");
  ASSERT_EQ(put.status, 200) << put.body;
  json::array list = Obj(Call("GET", "/api/profiles"))["profiles"].as_array();
  bool found = false;
  for (const json::value& v : list) {
    const json::object& p = v.as_object();
    if (Str(p.at("id")) != id) continue;
    found = true;
    EXPECT_EQ(p.at("system"), "Exact and short.");
    EXPECT_EQ(p.at("model"), "");  // PUT replaces the whole profile
    EXPECT_EQ(p.at("settings").as_object().at("top_k"), 1);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(Call("DELETE", "/api/profiles/" + id).status, 204);
  EXPECT_EQ(Call("DELETE", "/api/profiles/" + id).status, 404);
  EXPECT_EQ(Call("PUT", "/api/profiles/" + id, R"({"name":"gone"})").status, 404);
}

TEST_F(StoreApiTest, BadInputGetsClearErrorsAndTheServerKeepsServing) {
  const std::string id = NewConversation();
  const std::string msgs = "/api/conversations/" + id + "/messages";
  struct Case {
    const char* method;
    std::string target;
    std::string body;
    int status;
    const char* message;  // substring of the error message
  };
  const std::vector<Case> cases = {
      {"POST", "/api/conversations", "{\"title\":", 400, "not valid JSON"},
      {"POST", "/api/conversations", R"({"title":["a"]})", 400, "title must be a string"},
      {"POST", "/api/conversations", R"({"settings":"hot"})", 400, "settings must be an object"},
      {"POST", "/api/conversations", "[1,2]", 400, "must be a JSON object"},
      {"POST", "/api/conversations", R"({"title":")" + std::string(2000, 't') + "\"}", 413,
       "title is 2000 bytes"},
      {"PATCH", "/api/conversations/" + id, R"({"system":42})", 400, "system must be a string"},
      {"PATCH", "/api/conversations/" + id, "", 400, "not valid JSON"},
      {"POST", msgs, R"({"content":"x"})", 400, "role is required"},
      {"POST", msgs, R"({"role":"user"})", 400, "content is required"},
      {"POST", msgs, R"({"role":"user","content":7})", 400, "content must be a string"},
      {"POST", msgs, R"({"role":"admin","content":"x"})", 400, "role must be one of"},
      {"POST", msgs, R"({"role":"user","content":"x","metrics":[]})", 400,
       "metrics must be an object"},
      {"POST", msgs, R"({"role":"user","content":")" + std::string(600000, 'x') + "\"}", 413,
       "content is 600000 bytes"},
      {"POST", "/api/conversations/99999999/messages", R"({"role":"user","content":"x"})", 404,
       "no conversation with id 99999999"},
      {"GET", "/api/conversations/abc", "", 404, "no conversation with id 'abc'"},
      {"GET", "/api/conversations/0", "", 404, "no conversation"},
      {"GET", "/api/conversations/99999999/export", "", 404, "no conversation"},
      {"DELETE", msgs + "/xyz", "", 404, "no message with id 'xyz'"},
      {"DELETE", msgs + "/99999999", "", 404, "has no message with id 99999999"},
      {"GET", "/api/conversations?limit=0", "", 400, "limit must be an integer from 1 to 500"},
      {"GET", "/api/conversations?limit=ten", "", 400, "limit must be"},
      {"GET", "/api/conversations?offset=-1", "", 400, "offset must be"},
      {"PUT", "/api/conversations", "", 405, "use GET, POST"},
      {"GET", msgs, "", 405, "use POST"},
      {"GET", "/api/conversations/import", "", 405, "use POST"},
      {"POST", "/api/profiles/1", "{}", 405, "use PUT, DELETE"},
      {"GET", "/api/nothing-here", "", 404, "no such API route"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target.substr(0, 80) << ": " << r.body;
    EXPECT_NE(ErrorMessage(r).find(c.message), std::string::npos)
        << c.method << " " << c.target.substr(0, 80) << ": " << r.body.substr(0, 300);
  }
  // Nothing bad was stored, and the server still answers.
  EXPECT_EQ(Obj(Call("GET", "/api/conversations/" + id))["messages"].as_array().size(), 0u);
  EXPECT_EQ(Call("GET", "/health").status, 200);
}

TEST(StoreApiKey, StoreRoutesNeedTheKeyLikeEveryApiRoute) {
  const fs::path data = testing::FreshTempDir("store_api", "key");
  ServerProcess server(
      {"-m", testing::FixtureModel(), "--data-dir", data.string(), "--api-key", "s3cret"});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  HttpResponse no = HttpRequest(server.port(), "GET", "/api/conversations");
  EXPECT_EQ(no.status, 401);
  HttpResponse wrong = HttpRequest(server.port(), "POST", "/api/profiles", R"({"name":"a"})",
                                   {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  HttpResponse yes = HttpRequest(server.port(), "GET", "/api/conversations", "",
                                 {{"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(yes.status, 200) << yes.body;
  server.Stop();
  fs::remove_all(data);
}

TEST(StoreStartup, ADatabaseFromANewerInfernoIsRefusedClearly) {
  const fs::path data = testing::FreshTempDir("store_api", "newer");
  {
    SQLite::Database db((data / "inferno.db").string(),
                        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT, "
        "applied_at INTEGER); INSERT INTO schema_version VALUES (99, 'future', 0);");
  }
  testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "serve", "--port", "0", "-m",
                           testing::FixtureModel(), "--data-dir", data.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("schema version 99"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("newer inferno"), std::string::npos) << r.err;
  fs::remove_all(data);
}

// kill -9 while a completion streams and messages are being appended from several clients:
// every message the server acknowledged with 201 must be in the database afterwards, in
// order, and the database must pass SQLite's integrity check.
TEST(StoreDurability, AcknowledgedMessagesSurviveKillDashNine) {
  const fs::path data = testing::FreshTempDir("store_api", "kill9");
  const std::vector<std::string> args = {
      "-m", testing::FixtureModel(), "--data-dir", data.string(), "--ctx-size", "4096", "--threads",
      "1"};
  auto server = std::make_unique<ServerProcess>(args);
  ASSERT_TRUE(server->ok()) << server->startup_output();
  const int port = server->port();
  HttpResponse created = HttpRequest(port, "POST", "/api/conversations", R"({"title":"crash"})");
  ASSERT_EQ(created.status, 201);
  const std::string id = Str(Obj(created)["id"]);

  // Streamed completions keep the engine busy for the whole write phase: one after another, since
  // the tiny model can finish 4000 tokens before a loaded machine has acknowledged 60 writes.
  std::atomic<int> acks{0};
  std::atomic<bool> killed{false};
  std::atomic<size_t> streamed_while_writing{0};
  std::thread streamer([&] {
    while (!killed) {
      const int fd = testing::OpenStreamAndRead(
          port, "/v1/chat/completions",
          R"({"messages":[{"role":"user","content":"Tell a long story"}],"stream":true,)"
          R"("max_tokens":4000,"temperature":0})",
          200);
      if (fd < 0) return;  // the server is gone
      char buf[65536];
      for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) {
        if (acks > 0 && !killed) streamed_while_writing += size_t(n);
      }
      close(fd);
    }
  });

  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acked;  // (message id, content)
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string content = "writer " + std::to_string(t) + " message " +
                                    std::to_string(i) + " " + std::string(size_t(i % 7) * 100, 'z');
        HttpResponse r =
            HttpRequest(port, "POST", "/api/conversations/" + id + "/messages",
                        json::serialize(json::object{{"role", t % 2 ? "assistant" : "user"},
                                                     {"content", content},
                                                     {"metrics", json::object{{"tokens", i}}}}));
        if (r.status != 201) break;  // the server is gone
        std::lock_guard<std::mutex> lock(mu);
        acked.push_back({Str(Obj(r)["id"]), content});
        ++acks;
      }
    });
  }
  while (acks < 60) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server->Kill();  // writers are mid-request
  stop = true;
  for (auto& w : writers) w.join();

  killed = true;
  streamer.join();
  EXPECT_GT(streamed_while_writing, 0u) << "the engine was idle while the writes went on";

  std::map<std::string, std::string> expected(acked.begin(), acked.end());
  ASSERT_GE(expected.size(), 60u);
  {
    // The crashed database as found on disk (opening it replays the WAL).
    SQLite::Database db((data / "inferno.db").string(), SQLite::OPEN_READWRITE);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
    SQLite::Statement fk(db, "PRAGMA foreign_key_check");
    EXPECT_FALSE(fk.executeStep()) << "a message points at a missing conversation";
  }

  server = std::make_unique<ServerProcess>(args);
  ASSERT_TRUE(server->ok()) << server->startup_output();
  HttpResponse got = HttpRequest(server->port(), "GET", "/api/conversations/" + id);
  ASSERT_EQ(got.status, 200);
  json::array messages = Obj(got)["messages"].as_array();
  std::map<std::string, std::string> stored;
  std::map<int, int> last_index;  // per writer, messages stay in the order they were sent
  for (const json::value& v : messages) {
    const json::object& m = v.as_object();
    const std::string content = Str(m.at("content"));
    stored[Str(m.at("id"))] = content;
    const int writer = std::atoi(content.c_str() + 7);
    const int index = std::atoi(content.c_str() + content.find("message ") + 8);
    auto it = last_index.find(writer);
    if (it != last_index.end()) {
      EXPECT_EQ(index, it->second + 1) << content.substr(0, 40);
    }
    last_index[writer] = index;
  }
  for (const auto& [mid, content] : expected) {
    auto it = stored.find(mid);
    ASSERT_NE(it, stored.end()) << "acknowledged message " << mid << " was lost";
    EXPECT_EQ(it->second, content);
  }
  // At most one unacknowledged write per writer may have committed just before the kill.
  EXPECT_LE(stored.size(), expected.size() + 4);
  // The restarted server takes new writes on the same database.
  EXPECT_EQ(HttpRequest(server->port(), "POST", "/api/conversations/" + id + "/messages",
                        R"({"role":"user","content":"after restart"})")
                .status,
            201);
  server->Stop();
  {
    SQLite::Database db((data / "inferno.db").string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  }
  std::printf("durability: %zu acknowledged messages, %zu stored, %zu bytes streamed meanwhile\n",
              expected.size(), stored.size(), size_t(streamed_while_writing));
  fs::remove_all(data);
}

}  // namespace
}  // namespace inferno
