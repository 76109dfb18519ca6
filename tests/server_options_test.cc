// Per-model load options over loopback (GET/PUT /api/models/{id}/options) against the real
// binary: a smaller context refuses what no longer fits and a larger one takes it again, a
// stream running during a change finishes on the old instance with the same greedy tokens,
// bad bodies get 400s, threads show in GET and /v1/models, and concurrent changes leave one
// consistent state.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
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

const std::string kId = "llama-tiny-Q8_0";
const std::string kOptions = "/api/models/" + kId + "/options";

int HardwareThreads() { return std::max(1, int(std::thread::hardware_concurrency())); }

// A chat request body at temperature 0.
std::string Chat(const std::string& content, int max_tokens, bool stream = false) {
  json::object o{{"messages", json::array{json::object{{"role", "user"}, {"content", content}}}},
                 {"max_tokens", max_tokens},
                 {"temperature", 0}};
  if (stream) {
    o["stream"] = true;
    o["stream_options"] = json::object{{"include_usage", true}};
  }
  return json::serialize(o);
}

std::string LongPrompt() {
  std::string s;
  for (int i = 0; i < 16; ++i) s += "Once upon a time there was a little fox. ";
  return s;
}

class OptionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("inferno_options_" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "models" / "sub");
    fs::copy_file(testing::SharedDir() + "/fixtures/models/llama-tiny-Q4_0.gguf",
                  *dir_ / "models" / "sub" / "q4.gguf");
    std::ofstream(*dir_ / "models" / "broken.gguf") << "not a model";
    fs::create_directories(*dir_ / "outside");
    fs::copy_file(testing::FixtureModel(), *dir_ / "outside" / "secret.gguf");
    fs::create_symlink(*dir_ / "outside" / "secret.gguf", *dir_ / "models" / "escape.gguf");
    server_ = new ServerProcess(
        {"-m", testing::FixtureModel(), "--models-dir", (*dir_ / "models").string(), "--data-dir",
         (*dir_ / "data").string(), "--ctx-size", "256", "--threads", "1", "--parallel", "2"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static int port() { return server_->port(); }
  static HttpResponse Get(const std::string& target) { return HttpRequest(port(), "GET", target); }
  static HttpResponse Put(const std::string& body, const std::string& target = kOptions) {
    return HttpRequest(port(), "PUT", target, body);
  }
  static HttpResponse PostChat(const std::string& body) {
    return HttpRequest(port(), "POST", "/v1/chat/completions", body);
  }
  // Sets the options and checks the answer.
  static json::object Set(int context_size, int threads) {
    HttpResponse r =
        Put(json::serialize(json::object{{"context_size", context_size}, {"threads", threads}}));
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = ParseJsonObject(r.body);
    EXPECT_EQ(o["context_size"], context_size);
    EXPECT_EQ(o["threads"], threads);
    return o;
  }
  static json::object ModelsEntry(const std::string& id) {
    HttpResponse r = Get("/v1/models");
    EXPECT_EQ(r.status, 200);
    json::object list = ParseJsonObject(r.body);
    for (json::value& m : list["data"].as_array()) {
      if (m.as_object()["id"] == json::value(id)) return m.as_object();
    }
    ADD_FAILURE() << id << " not in " << r.body;
    return {};
  }

  static ServerProcess* server_;
  static fs::path* dir_;
};
ServerProcess* OptionsTest::server_ = nullptr;
fs::path* OptionsTest::dir_ = nullptr;

TEST_F(OptionsTest, GetReportsEffectiveValuesDefaultsAndRanges) {
  Set(256, 1);
  HttpResponse r = Get(kOptions);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = ParseJsonObject(r.body);
  EXPECT_EQ(o["id"], json::value(kId));
  EXPECT_EQ(o["context_size"], 256);
  EXPECT_EQ(o["threads"], 1);
  EXPECT_EQ(o["loaded"], true);
  EXPECT_EQ(o["defaults"], (json::object{{"context_size", 256},
                                         {"threads", 1},
                                         {"cache_type_k", "f16"},
                                         {"cache_type_v", "f16"}}));
  json::object limits = o["limits"].as_object();
  EXPECT_EQ(limits["context_size"], (json::object{{"min", 16}, {"max", 2048}}));
  EXPECT_EQ(limits["threads"], (json::object{{"min", 1}, {"max", HardwareThreads()}}));
  // A model in a subfolder that is not loaded yet: what its first load will use.
  json::object sub = ParseJsonObject(Get("/api/models/sub/q4/options").body);
  EXPECT_EQ(sub["loaded"], false);
  EXPECT_EQ(sub["context_size"], 256);
  json::object entry = ModelsEntry("sub/q4");
  EXPECT_EQ(entry["context_size"], 256);
  EXPECT_EQ(entry["threads"], 1);
}

// The scenario of the Settings panel: a small context refuses a long chat with OpenAI's
// context_length_exceeded, raising it makes the same chat work with the same greedy reply.
TEST_F(OptionsTest, SmallerContextRefusesWhatNoLongerFitsAndLargerTakesItAgain) {
  Set(256, 1);
  const std::string long_chat = Chat(LongPrompt(), 8);
  HttpResponse before = PostChat(long_chat);
  ASSERT_EQ(before.status, 200) << before.body;
  json::object before_o = ParseJsonObject(before.body);
  const int prompt_tokens = before_o["usage"].as_object()["prompt_tokens"].to_number<int>();
  ASSERT_GT(prompt_tokens, 64);  // longer than the small context below

  json::object set = Set(48, 1);
  EXPECT_EQ(set["reloaded"], true);
  EXPECT_EQ(ParseJsonObject(Get(kOptions).body)["context_size"], 48);
  json::object entry = ModelsEntry(kId);
  EXPECT_EQ(entry["context_size"], 48);
  EXPECT_EQ(entry["context_length"], 2048);  // the trained context does not change
  HttpResponse refused = PostChat(long_chat);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(ErrorField(refused, "code"), "context_length_exceeded");
  EXPECT_NE(ErrorField(refused, "message").find("holds 48"), std::string::npos) << refused.body;
  // A prompt that fits gets its reply cut at the new context: prompt + reply = 48 tokens.
  HttpResponse cut = PostChat(Chat("Hi", 200));
  ASSERT_EQ(cut.status, 200) << cut.body;
  json::object usage = ParseJsonObject(cut.body)["usage"].as_object();
  EXPECT_EQ(usage["total_tokens"], 48) << cut.body;

  set = Set(512, 1);
  EXPECT_EQ(set["reloaded"], true);
  HttpResponse after = PostChat(long_chat);
  ASSERT_EQ(after.status, 200) << after.body;
  json::object after_o = ParseJsonObject(after.body);
  EXPECT_EQ(after_o["choices"].as_array()[0].as_object()["message"],
            before_o["choices"].as_array()[0].as_object()["message"]);
  EXPECT_EQ(after_o["usage"].as_object()["completion_tokens"], 8);
}

// A stream started before a change finishes on the instance it started on: all of its
// tokens, more than the new context holds, the same as before the change.
TEST_F(OptionsTest, StreamRunningDuringAChangeCompletesWithTheSameGreedyTokens) {
  Set(2048, 1);
  constexpr int kTokens = 1000;
  const std::string body =
      R"({"prompt":"Once upon a time","max_tokens":)" + std::to_string(kTokens) +
      R"(,"temperature":0,"stream":true,"stream_options":{"include_usage":true}})";
  int prompt_tokens = 0;
  auto collect = [&](const HttpResponse& r, int* completion_tokens) {
    std::string text;
    for (const std::string& d : testing::SseData(r.body)) {
      if (d == "[DONE]") continue;
      json::object chunk = ParseJsonObject(d);
      if (chunk["usage"].is_object()) {
        *completion_tokens = chunk["usage"].as_object()["completion_tokens"].to_number<int>();
        prompt_tokens = chunk["usage"].as_object()["prompt_tokens"].to_number<int>();
      }
      for (json::value& c : chunk["choices"].as_array()) {
        text += std::string(c.as_object()["text"].as_string());
      }
    }
    return text;
  };
  int reference_tokens = 0;
  const std::string reference =
      collect(HttpRequest(port(), "POST", "/v1/completions", body), &reference_tokens);
  ASSERT_EQ(reference_tokens, kTokens);

  testing::StreamingRequest stream(port(), "POST", "/v1/completions", body);
  ASSERT_TRUE(stream.ReadUntil("\"text\""));  // generating
  json::object set = Set(512, 1);
  EXPECT_EQ(set["reloaded"], true);
  // The stream was still running when the change was in place.
  EXPECT_EQ(stream.ReadAvailable().find("[DONE]"), std::string::npos)
      << "the stream ended before the change: make it longer";
  int streamed_tokens = 0;
  const HttpResponse done = stream.Finish();
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(collect(done, &streamed_tokens), reference);
  EXPECT_EQ(streamed_tokens, kTokens);  // more than the new context holds: the old instance

  // A new request gets the new context: cut at 512 tokens in all.
  int after_tokens = 0;
  const std::string after =
      collect(HttpRequest(port(), "POST", "/v1/completions", body), &after_tokens);
  EXPECT_EQ(prompt_tokens + after_tokens, 512);
  EXPECT_EQ(after, reference.substr(0, after.size()));
}

TEST_F(OptionsTest, BadBodiesAndNamesAreRefusedClearly) {
  Set(256, 1);
  const int hw = HardwareThreads();
  struct Case {
    std::string body, param, fragment;
  };
  const std::vector<Case> cases = {
      {"{not json", "", "JSON object"},
      {"[1,2]", "", "JSON object"},
      {"{}", "", "give context_size, threads, cache_type_k or cache_type_v"},
      {R"({"context_size":512,"ctx":1})", "ctx", "unknown field 'ctx'"},
      {R"({"context_size":"512"})", "context_size", "must be an integer"},
      {R"({"context_size":512.5})", "context_size", "must be an integer"},
      {R"({"context_size":null})", "context_size", "must be an integer"},
      {R"({"threads":true})", "threads", "must be an integer"},
      {R"({"context_size":15})", "context_size", "between 16 and 2048"},
      {R"({"context_size":2049})", "context_size", "between 16 and 2048"},
      {R"({"context_size":-4})", "context_size", "between 16 and 2048"},
      {R"({"context_size":18446744073709551615})", "context_size", "between 16 and 2048"},
      {R"({"threads":0})", "threads", "between 1 and"},
      {R"({"context_size":512,"threads":)" + std::to_string(hw + 1) + "}", "threads",
       "between 1 and " + std::to_string(hw)},
  };
  for (const Case& c : cases) {
    HttpResponse r = Put(c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(ErrorField(r, "param"), c.param) << c.body;
    EXPECT_NE(ErrorField(r, "message").find(c.fragment), std::string::npos)
        << c.body << " -> " << r.body;
  }
  // Nothing changed.
  json::object o = ParseJsonObject(Get(kOptions).body);
  EXPECT_EQ(o["context_size"], 256);
  EXPECT_EQ(o["threads"], 1);
  // A whole number written as a float is a whole number.
  HttpResponse as_float = Put(R"({"context_size":320.0})");
  EXPECT_EQ(as_float.status, 200) << as_float.body;
  EXPECT_EQ(ParseJsonObject(Get(kOptions).body)["context_size"], 320);
  Set(256, 1);

  const std::string ok = R"({"context_size":64})";
  for (const char* target :
       {"/api/models/nope/options", "/api/models/escape/options",
        "/api/models/../outside/secret/options", "/api/models/%2e%2e/outside/secret/options",
        "/api/models/%2Fetc%2Fpasswd/options"}) {
    EXPECT_EQ(Put(ok, target).status, 404) << target;
    HttpResponse g = Get(target);
    EXPECT_EQ(g.status, 404) << target;
    EXPECT_EQ(ErrorField(g, "code"), "model_not_found") << g.body;
  }
  HttpResponse broken = Get("/api/models/broken/options");
  EXPECT_EQ(broken.status, 500);
  EXPECT_NE(broken.body.find("broken.gguf"), std::string::npos) << broken.body;
  EXPECT_EQ(HttpRequest(port(), "POST", kOptions, ok).status, 405);
  EXPECT_EQ(HttpRequest(port(), "DELETE", kOptions).status, 405);
  EXPECT_EQ(Get("/health").status, 200);
}

TEST_F(OptionsTest, ThreadsAreVisibleInGetAndModels) {
  json::object set = Set(256, 1);
  const int hw = HardwareThreads();
  if (hw < 2) GTEST_SKIP() << "one hardware thread: no other thread count to set";
  set = Set(256, 2);
  EXPECT_EQ(set["reloaded"], true);
  EXPECT_EQ(ParseJsonObject(Get(kOptions).body)["threads"], 2);
  EXPECT_EQ(ModelsEntry(kId)["threads"], 2);
  EXPECT_EQ(PostChat(Chat("Hi", 4)).status, 200);
  // Setting only the context keeps the threads.
  HttpResponse r = Put(R"({"context_size":300})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseJsonObject(r.body)["threads"], 2);
  Set(256, 1);
}

TEST_F(OptionsTest, ConcurrentPutsLeaveOneConsistentState) {
  Set(256, 1);
  const int hw = HardwareThreads();
  std::vector<std::pair<int, int>> asked;
  for (int i = 0; i < 8; ++i) asked.push_back({40 + 8 * i, 1 + i % std::min(hw, 2)});
  std::vector<std::thread> threads;
  std::vector<int> put_status(asked.size()), chat_status(4);
  for (size_t i = 0; i < asked.size(); ++i) {
    threads.emplace_back([&, i] {
      put_status[i] = Put(json::serialize(json::object{{"context_size", asked[i].first},
                                                       {"threads", asked[i].second}}))
                          .status;
    });
  }
  // Chats racing with the changes always get an instance that works.
  for (size_t i = 0; i < chat_status.size(); ++i) {
    threads.emplace_back([&, i] { chat_status[i] = PostChat(Chat("Hi", 4)).status; });
  }
  for (std::thread& t : threads) t.join();
  for (int s : put_status) EXPECT_EQ(s, 200);
  for (int s : chat_status) EXPECT_EQ(s, 200);

  json::object now = ParseJsonObject(Get(kOptions).body);
  const std::pair<int, int> state{now["context_size"].to_number<int>(),
                                  now["threads"].to_number<int>()};
  EXPECT_NE(std::find(asked.begin(), asked.end(), state), asked.end()) << json::serialize(now);
  json::object entry = ModelsEntry(kId);
  EXPECT_EQ(entry["context_size"], state.first);
  EXPECT_EQ(entry["threads"], state.second);
  // The instance serving requests has that context: its refusal says how much it holds.
  HttpResponse refused = PostChat(Chat(LongPrompt(), 4));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(ErrorField(refused, "message").find("holds " + std::to_string(state.first) + " "),
            std::string::npos)
      << refused.body;
  Set(256, 1);
}

}  // namespace
}  // namespace inferno
