// The debugger protocol driven through its WsConnection with a fake WsSender: every message
// type, malformed frames, limits, backpressure, branch, binary frames and resume, on a real
// fixture model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>

#include "server/debugger_hub.h"
#include "server/test_gated_store.h"

namespace inferno::server::debugger {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kModel =
    std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf";

// Records frames; "written" only when drained (auto_drain or Drain()), so queued_bytes()
// models a client that reads slowly.
class FakeSender : public WsSender {
 public:
  bool SendText(std::string frame) override { return Add(std::move(frame), false); }
  bool SendBinary(std::string frame) override { return Add(std::move(frame), true); }
  size_t queued_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_;
  }
  bool WaitForRoom(size_t limit) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queued_ <= limit || closed_; });
    return !closed_;
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

  void SetAutoDrain(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    auto_drain_ = on;
    if (on) queued_ = 0;
  }
  size_t max_queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_queued_;
  }
  // JSON messages so far.
  std::vector<json::object> Messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<json::object> out;
    for (const auto& [data, binary] : frames_) {
      if (!binary) out.push_back(json::parse(data).as_object());
    }
    return out;
  }
  std::vector<std::string> Binaries() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& [data, binary] : frames_) {
      if (binary) out.push_back(data);
    }
    return out;
  }
  // Waits until pred(messages) holds.
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(Messages())) return true;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, 20ms);
    }
    return false;
  }

 private:
  bool Add(std::string frame, bool binary) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return false;
      if (!auto_drain_) {
        queued_ += frame.size();
        max_queued_ = std::max(max_queued_, queued_);
      }
      frames_.emplace_back(std::move(frame), binary);
    }
    cv_.notify_all();
    return true;
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, bool>> frames_;
  size_t queued_ = 0, max_queued_ = 0;
  bool auto_drain_ = true;
  bool closed_ = false;
};

std::vector<json::object> OfType(const std::vector<json::object>& msgs, const std::string& type,
                                 const std::string& session = "") {
  std::vector<json::object> out;
  for (const json::object& m : msgs) {
    if (m.at("type") != type.c_str()) continue;
    if (!session.empty() && (!m.contains("session") || m.at("session") != session.c_str()))
      continue;
    out.push_back(m);
  }
  return out;
}

bool HasDone(const std::vector<json::object>& msgs, const std::string& session) {
  return !OfType(msgs, "done", session).empty() || !OfType(msgs, "error", session).empty();
}

std::string SessionOf(const std::vector<json::object>& msgs, const std::string& client_id) {
  for (const json::object& m : OfType(msgs, "session")) {
    if (m.contains("id") && m.at("id") == client_id.c_str()) {
      return std::string(m.at("session").as_string());
    }
  }
  return "";
}

class DebuggerTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(Limits{}); }
  void Make(Limits limits, std::shared_ptr<SessionStore> store = nullptr) {
    conns_.clear();
    debugger_.reset();
    registry_.reset();
    RegistryOptions ro;
    // Per process: ctest runs tests in parallel, and overwriting a model file another
    // process has mapped would crash it.
    ro.models_dir = ::testing::TempDir() + "/dbg_models_" + std::to_string(getpid());
    ro.preload = kModel;
    ro.scheduler.n_slots = 4;
    ro.scheduler.n_ctx = 512;
    ro.scheduler.n_threads = 2;
    std::filesystem::create_directories(ro.models_dir);
    std::filesystem::copy_file(
        std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q4_0.gguf",
        ro.models_dir + "/q4.gguf", std::filesystem::copy_options::overwrite_existing);
    registry_ = std::make_unique<ModelRegistry>(ro);
    ASSERT_TRUE(registry_->Init().ok());
    debugger_ = store ? std::make_unique<Debugger>(*registry_, limits, std::move(store))
                      : std::make_unique<Debugger>(*registry_, limits);
  }
  ~DebuggerTest() override {
    std::error_code ec;
    std::filesystem::remove_all(::testing::TempDir() + "/dbg_models_" + std::to_string(getpid()),
                                ec);
  }
  void TearDown() override {
    for (auto& c : conns_) c.second->OnClose();
    conns_.clear();
    debugger_.reset();
    registry_.reset();
  }
  std::pair<std::shared_ptr<FakeSender>, WsConnection*> Connect(WsClient client = {}) {
    auto sender = std::make_shared<FakeSender>();
    conns_.emplace_back(sender, debugger_->Connect(sender, std::move(client)));
    return {sender, conns_.back().second.get()};
  }
  std::string Start(WsConnection* c, FakeSender& s, const std::string& id,
                    const std::string& extra = "") {
    c->OnText(R"({"type":"start","id":")" + id +
              R"(","prompt":"Once upon a time","max_tokens":6,"sampling":{"temperature":0})" +
              extra + "}");
    std::string session;
    s.WaitFor([&](const auto& m) { return !(session = SessionOf(m, id)).empty(); });
    return session;
  }

  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<Debugger> debugger_;
  std::vector<std::pair<std::shared_ptr<FakeSender>, std::unique_ptr<WsConnection>>> conns_;
};

TEST_F(DebuggerTest, HelloAnswersVersionLimitsAndResumeToken) {
  auto [s, c] = Connect();
  c->OnText(R"({"type":"hello","version":1})");
  const auto hello = OfType(s->Messages(), "hello");
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].at("version"), 1);
  EXPECT_EQ(hello[0].at("resume").as_string().size(), 32u);
  EXPECT_EQ(hello[0].at("resumed"), false);
  EXPECT_EQ(hello[0].at("limits").at("max_top_k"), 100);
  EXPECT_FALSE(s->closed());
  // Not recoverable: the error is sent, then the connection is closed.
  c->OnText(R"({"type":"hello","version":2})");
  const auto errors = OfType(s->Messages(), "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("code"), "unsupported_version");
  EXPECT_EQ(errors[0].at("recoverable"), false);
  EXPECT_TRUE(s->closed());
}

TEST_F(DebuggerTest, StartStreamsSessionPromptTokensAndDone) {
  auto [s, c] = Connect();
  const std::string id = Start(c, *s, "a", R"(,"probes":{"top_k":5})");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  const auto msgs = s->Messages();
  // seq increases by one per message.
  for (size_t i = 0; i < msgs.size(); ++i) EXPECT_EQ(msgs[i].at("seq"), int64_t(i + 1));
  const auto session = OfType(msgs, "session", id);
  ASSERT_EQ(session.size(), 1u);
  EXPECT_EQ(session[0].at("request").at("max_tokens"), 6);
  const auto prompt = OfType(msgs, "prompt", id);
  ASSERT_EQ(prompt.size(), 1u);
  EXPECT_EQ(prompt[0].at("tokens").as_array()[0].at("id"), 1);  // BOS
  const auto tokens = OfType(msgs, "token", id);
  ASSERT_EQ(tokens.size(), 6u);
  const int64_t n_prompt = int64_t(prompt[0].at("tokens").as_array().size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const json::object& t = tokens[i];
    EXPECT_EQ(t.at("index"), int64_t(i));
    EXPECT_EQ(t.at("position"), n_prompt + int64_t(i));
    EXPECT_EQ(t.at("rank"), 0);  // greedy
    ASSERT_EQ(t.at("top").as_array().size(), 5u);
    EXPECT_EQ(t.at("top").as_array()[0].at("id"), t.at("id"));
    EXPECT_DOUBLE_EQ(t.at("top").as_array()[0].at("prob").to_number<double>(),
                     t.at("prob").to_number<double>());
    EXPECT_GT(t.at("entropy").to_number<double>(), 0);
  }
  std::vector<std::string> states;
  for (const auto& st : OfType(msgs, "status", id))
    states.push_back(std::string(st.at("state").as_string()));
  EXPECT_NE(std::find(states.begin(), states.end(), "queued"), states.end());
  EXPECT_NE(std::find(states.begin(), states.end(), "prefill"), states.end());
  const auto done = OfType(msgs, "done", id);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].at("finish_reason"), "length");
  EXPECT_EQ(done[0].at("timings").at("generated_tokens"), 6);
  EXPECT_EQ(debugger_->running_sessions(), 0);
}

// Session, compare and resume ids are 128 random bits: knowing one is what lets a client act
// on it, so none can be guessed from the others.
bool IsRandomId(const std::string& id, char kind) {
  return id.size() == 33 && id[0] == kind &&
         id.find_first_not_of("0123456789abcdef", 1) == std::string::npos;
}

TEST_F(DebuggerTest, IdsAre128RandomBits) {
  auto [s, c] = Connect();
  const std::string a = Start(c, *s, "a"), b = Start(c, *s, "b");
  EXPECT_TRUE(IsRandomId(a, 's')) << a;
  EXPECT_TRUE(IsRandomId(b, 's')) << b;
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, 9), b.substr(0, 9));
  c->OnText(R"({"type":"compare","prompt":"Hi","max_tokens":1,"a":{},"b":{}})");
  ASSERT_TRUE(s->WaitFor([](const auto& m) { return !OfType(m, "compare").empty(); }));
  const json::object link = OfType(s->Messages(), "compare").at(0);
  EXPECT_TRUE(IsRandomId(std::string(link.at("compare").as_string()), 'c')) << link;
  EXPECT_TRUE(IsRandomId(std::string(link.at("a").as_string()), 's')) << link;
  c->OnText(R"({"type":"hello","version":1})");
  auto [s2, c2] = Connect();
  c2->OnText(R"({"type":"hello","version":1})");
  const std::string t1(OfType(s->Messages(), "hello").at(0).at("resume").as_string());
  const std::string t2(OfType(s2->Messages(), "hello").at(0).at("resume").as_string());
  EXPECT_EQ(t1.size(), 32u);
  EXPECT_EQ(t1.find_first_not_of("0123456789abcdef"), std::string::npos) << t1;
  EXPECT_NE(t1, t2);
}

// Whether a branch from `parent` was answered with a new session on this connection.
bool Branched(const std::vector<json::object>& msgs, const std::string& parent) {
  for (const json::object& m : OfType(msgs, "session")) {
    if (m.contains("parent") && m.at("parent") == parent.c_str()) return true;
  }
  return false;
}

// A session belongs to the client that started it: a connection from another Origin cannot
// stop it, branch from it or resume its connection, and is told it does not exist; the same
// Origin, or a client holding the API key, can.
TEST_F(DebuggerTest, SessionsAreReachableOnlyByTheirOwner) {
  const std::string ui = "http://127.0.0.1:8080", evil = "http://evil.example";
  auto [s, c] = Connect({ui, false});
  c->OnText(R"({"type":"hello","version":1})");
  const std::string token(OfType(s->Messages(), "hello").at(0).at("resume").as_string());
  const std::string id = Start(c, *s, "mine", R"(,"max_tokens":2000,"ignore_eos":true)");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return OfType(m, "token", id).size() >= 2; }));
  const std::string stop = R"({"type":"stop","session":")" + id + "\"}";
  const auto branch = [](const std::string& parent) {
    // Step 0: another connection sees a running session as stored, before its tokens.
    return R"({"type":"branch","session":")" + parent + R"(","step":0,"token":5,"max_tokens":2})";
  };

  // Stop, branch and resume all answer as if the session did not exist.
  for (const WsClient& other : {WsClient{evil, false}, WsClient{"", false}}) {
    auto [os, oc] = Connect(other);
    oc->OnText(stop);
    oc->OnText(branch(id));
    oc->OnText(R"({"type":"hello","version":1,"resume":")" + token + R"("})");
    const auto msgs = os->Messages();
    const auto errors = OfType(msgs, "error");
    ASSERT_EQ(errors.size(), 3u) << other.origin;
    EXPECT_EQ(errors[0].at("code"), "unknown_session");
    EXPECT_EQ(errors[1].at("code"), "unknown_session");
    EXPECT_EQ(errors[2].at("code"), "resume_failed");
    EXPECT_TRUE(OfType(msgs, "session").empty());
    EXPECT_TRUE(OfType(msgs, "hello").empty());
  }
  EXPECT_FALSE(s->closed()) << "the owner's connection was not taken over";
  EXPECT_TRUE(OfType(s->Messages(), "done", id).empty()) << "and its session was not stopped";

  // The same Origin, and a client with the key from any Origin, may branch.
  for (const WsClient& allowed : {WsClient{ui, false}, WsClient{evil, true}}) {
    auto [as, ac] = Connect(allowed);
    ac->OnText(branch(id));
    EXPECT_TRUE(Branched(as->Messages(), id)) << allowed.origin;
  }

  // The same Origin may resume the connection after its socket dropped.
  s->Close();
  c->OnClose();
  auto [rs, rc] = Connect({ui, false});
  rc->OnText(R"({"type":"hello","version":1,"resume":")" + token + R"("})");
  const auto hello = OfType(rs->Messages(), "hello");
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].at("resumed"), true);
  rc->OnText(stop);
  ASSERT_TRUE(rs->WaitFor([&](const auto& m) { return HasDone(m, id); }));

  // The store keeps the owner: once the session has ended the rule still holds.
  std::optional<SessionRecord> stored = debugger_->store().Find(id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->owner_origin, std::optional<std::string>(ui));
  auto [es, ec] = Connect({evil, false});
  ec->OnText(branch(id));
  EXPECT_EQ(OfType(es->Messages(), "error", id).at(0).at("code"), "unknown_session");
  // A record without an owner (stored before owners were kept, or imported) is anyone's.
  stored->id = "s12";
  stored->owner_origin.reset();
  debugger_->store().Save(*stored);
  ec->OnText(branch("s12"));
  EXPECT_TRUE(Branched(es->Messages(), "s12"));

  // Opaque origins all send "null", and none of them is the same origin as another.
  auto [ns, nc] = Connect({"null", false});
  const std::string sandboxed = Start(nc, *ns, "sandboxed");
  auto [ms, mc] = Connect({"null", false});
  mc->OnText(branch(sandboxed));
  EXPECT_EQ(OfType(ms->Messages(), "error", sandboxed).at(0).at("code"), "unknown_session");
}

TEST_F(DebuggerTest, ProbeMessages) {
  auto [s, c] = Connect();
  const std::string id = Start(
      c, *s, "p",
      R"(,"probes":{"top_k":3,"attention":{"layers":[1],"heads":[0,2]},"logit_lens":{"top_k":4},"prompt_surprisal":true,"full_logits":true})");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  const auto msgs = s->Messages();
  const auto probes = OfType(msgs, "probe", id);
  int attention = 0, lens = 0, surprisal = 0;
  for (const json::object& p : probes) {
    if (p.at("kind") == "attention") {
      ++attention;
      const auto& heads = p.at("heads").as_array();
      ASSERT_EQ(heads.size(), 2u);
      EXPECT_EQ(heads[0].at("layer"), 1);
      EXPECT_EQ(heads[1].at("head"), 2);
      const auto& w = heads[0].at("weights").as_array();
      EXPECT_EQ(int64_t(w.size()), p.at("query_position").to_number<int64_t>() + 1);
      double sum = 0;
      for (const auto& x : w) sum += x.to_number<double>();
      EXPECT_NEAR(sum, 1.0, 1e-4);
    } else if (p.at("kind") == "logit_lens") {
      ++lens;
      ASSERT_EQ(p.at("layers").as_array().size(), 2u);
      EXPECT_EQ(p.at("layers").as_array()[1].at("top").as_array().size(), 4u);
    } else if (p.at("kind") == "surprisal") {
      ++surprisal;
      const auto& toks = p.at("tokens").as_array();
      const auto prompt = OfType(msgs, "prompt", id);
      EXPECT_EQ(toks.size(), prompt[0].at("tokens").as_array().size() - 1);
      EXPECT_NEAR(toks[0].at("surprisal").to_number<double>(),
                  -toks[0].at("logprob").to_number<double>(), 1e-6);
    }
  }
  EXPECT_EQ(attention, 6);
  EXPECT_EQ(lens, 6);
  EXPECT_EQ(surprisal, 1);
  for (const json::object& t : OfType(msgs, "token", id)) {
    EXPECT_EQ(t.at("logits").as_array().size(), 32000u);
  }
}

// The WS protocol reads the request schema: the HTTP API's bounds and messages.
TEST_F(DebuggerTest, SettingsHaveTheRequestSchemasBoundsAndMessages) {
  auto [s, c] = Connect();
  c->OnText(R"({"type":"start","prompt":"x","sampling":{"temperature":3}})");
  c->OnText(R"({"type":"start","prompt":"x","stop":["a","b","c","d","e"]})");
  const auto errors = OfType(s->Messages(), "error");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("message"), "start: 'temperature' must be between 0 and 2");
  EXPECT_EQ(errors[1].at("message"), "start: 'stop' must be a string or up to 4 strings");
}

TEST_F(DebuggerTest, MalformedFramesGetErrorsAndTheConnectionStaysUsable) {
  auto [s, c] = Connect();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "bad_json"},
      {"[1,2]", "bad_message"},
      {R"({"no":"type"})", "bad_message"},
      {R"({"type":5})", "bad_message"},
      {R"({"type":"dance"})", "unknown_type"},
      {R"({"type":"start"})", "bad_request"},
      {R"({"type":"start","prompt":"x","max_tokens":-3})", "bad_request"},
      {R"({"type":"start","prompt":"x","sampling":{"temprature":1}})", "bad_request"},
      {R"({"type":"start","prompt":"x","probes":{"top_k":1000}})", "bad_request"},
      {R"({"type":"start","prompt":"x","format":"xml"})", "bad_request"},
      {R"({"type":"start","messages":[{"role":"tool","content":"x"}]})", "bad_request"},
      {R"({"type":"stop"})", "bad_request"},
      {R"({"type":"stop","session":"nope"})", "unknown_session"},
      {R"({"type":"branch","session":"nope","step":0,"token":5})", "unknown_session"},
      {std::string(300 * 1024, ' '), "too_large"},
  };
  for (const auto& [frame, code] : cases) c->OnText(frame);
  c->OnBinary("\x01\x02");
  c->OnText(R"({"type":"ping","data":{"n":7}})");
  auto msgs = s->Messages();
  const auto errors = OfType(msgs, "error");
  ASSERT_EQ(errors.size(), cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(errors[i].at("code"), cases[i].second.c_str()) << cases[i].first.substr(0, 60);
    EXPECT_EQ(errors[i].at("recoverable"), true);
  }
  // Roles are checked as the HTTP API checks them, with its message.
  EXPECT_EQ(errors[10].at("message"), "start: unsupported role 'tool' (system, user, assistant)");
  EXPECT_EQ(errors.back().at("code"), "binary_not_accepted");
  const auto pong = OfType(msgs, "pong");
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_EQ(pong[0].at("data").at("n"), 7);
  // A bad layer is caught before anything runs.
  const std::string id = Start(c, *s, "bad", R"(,"probes":{"attention":{"layers":[9]}})");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  const auto err = OfType(s->Messages(), "error", id);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_NE(err[0].at("message").as_string().find("layer 9"), json::string::npos);
  // And a good start still works afterwards.
  const std::string ok = Start(c, *s, "ok");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return !OfType(m, "done", ok).empty(); }));
}

TEST_F(DebuggerTest, SeveralSessionsStopAndLimits) {
  Limits limits;
  limits.max_sessions_per_connection = 3;
  Make(limits);
  auto [s, c] = Connect();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    c->OnText(R"({"type":"start","id":"c)" + std::to_string(i) +
              R"(","prompt":"Hello","max_tokens":400,"ignore_eos":true})");
  }
  c->OnText(R"({"type":"start","id":"c3","prompt":"Hello","max_tokens":4})");
  ASSERT_TRUE(s->WaitFor([](const auto& m) { return OfType(m, "session").size() == 3; }));
  auto errors = OfType(s->Messages(), "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("code"), "too_many_sessions");
  for (const char* client_id : {"c0", "c1", "c2"})
    ids.push_back(SessionOf(s->Messages(), client_id));
  // All three make progress together, then stop ends each.
  ASSERT_TRUE(s->WaitFor([&](const auto& m) {
    for (const auto& id : ids) {
      if (OfType(m, "token", id).size() < 3) return false;
    }
    return true;
  }));
  for (const auto& id : ids) c->OnText(R"({"type":"stop","session":")" + id + "\"}");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) {
    for (const auto& id : ids) {
      if (!HasDone(m, id)) return false;
    }
    return true;
  }));
  for (const auto& id : ids) {
    const auto done = OfType(s->Messages(), "done", id);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].at("finish_reason"), "cancelled");
    EXPECT_LT(OfType(s->Messages(), "token", id).size(), 400u);
  }
  EXPECT_EQ(debugger_->running_sessions(), 0);
}

TEST_F(DebuggerTest, ServerWideSessionLimit) {
  Limits limits;
  limits.max_sessions = 2;
  Make(limits);
  auto [s1, c1] = Connect();
  auto [s2, c2] = Connect();
  c1->OnText(R"({"type":"start","prompt":"Hi","max_tokens":300,"ignore_eos":true})");
  c2->OnText(R"({"type":"start","prompt":"Hi","max_tokens":300,"ignore_eos":true})");
  c2->OnText(R"({"type":"start","prompt":"Hi","max_tokens":3})");
  const auto errors = OfType(s2->Messages(), "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("code"), "too_many_sessions");
  // Closing a connection gives its places back.
  c1->OnClose();
  ASSERT_TRUE(s2->WaitFor([&](const auto&) { return debugger_->running_sessions() <= 1; }));
  c2->OnText(R"({"type":"start","id":"again","prompt":"Hi","max_tokens":3})");
  ASSERT_TRUE(s2->WaitFor([](const auto& m) { return !SessionOf(m, "again").empty(); }));
}

TEST_F(DebuggerTest, SlowReaderPausesGenerationWithBoundedQueue) {
  Limits limits;
  limits.send_queue_bytes = 64 * 1024;
  Make(limits);
  auto [s, c] = Connect();
  s->SetAutoDrain(false);
  // Full logits make each token message ~350 KB: without backpressure 40 of them would queue.
  const std::string id =
      Start(c, *s, "slow", R"(,"max_tokens":40,"ignore_eos":true,"probes":{"full_logits":true})");
  std::this_thread::sleep_for(1500ms);
  const size_t tokens_while_stalled = OfType(s->Messages(), "token", id).size();
  EXPECT_LE(tokens_while_stalled, 2u) << "generation did not pause for the slow reader";
  EXPECT_LT(s->max_queued(), limits.send_queue_bytes + 2 * 400 * 1024);
  s->SetAutoDrain(true);
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  EXPECT_EQ(OfType(s->Messages(), "token", id).size(), 40u);
}

TEST_F(DebuggerTest, BranchEqualsFreshRunWithForcedPrefix) {
  auto [s, c] = Connect();
  const std::string parent = Start(c, *s, "parent", R"(,"max_tokens":8,"ignore_eos":true)");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, parent); }));
  auto msgs = s->Messages();
  std::vector<int64_t> prompt;
  const json::object prompt_msg = OfType(msgs, "prompt", parent).at(0);
  for (const auto& t : prompt_msg.at("tokens").as_array()) {
    prompt.push_back(t.at("id").as_int64());
  }
  std::vector<int64_t> gen;
  for (const auto& t : OfType(msgs, "token", parent)) gen.push_back(t.at("id").as_int64());
  ASSERT_EQ(gen.size(), 8u);
  // Force at step 3 the parent's second choice.
  const int64_t forced =
      OfType(msgs, "token", parent)[3].at("top").as_array()[1].at("id").as_int64();
  c->OnText(R"({"type":"branch","id":"child","session":")" + parent + R"(","step":3,"token":)" +
            std::to_string(forced) + "}");
  std::string child;
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return !(child = SessionOf(m, "child")).empty(); }));
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, child); }));
  // Fresh run: prompt + 3 parent tokens + forced token.
  json::array fresh(prompt.begin(), prompt.end());
  for (int i = 0; i < 3; ++i) fresh.push_back(gen[i]);
  fresh.push_back(forced);
  c->OnText(
      R"({"type":"start","id":"fresh","max_tokens":4,"ignore_eos":true,"sampling":{"temperature":0},"prompt_tokens":)" +
      json::serialize(fresh) + "}");
  std::string fresh_id;
  ASSERT_TRUE(
      s->WaitFor([&](const auto& m) { return !(fresh_id = SessionOf(m, "fresh")).empty(); }));
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, fresh_id); }));
  msgs = s->Messages();
  const auto sess = OfType(msgs, "session", child);
  EXPECT_EQ(sess[0].at("parent"), parent.c_str());
  EXPECT_EQ(sess[0].at("branch_step"), 3);
  const auto a = OfType(msgs, "token", child);
  const auto b = OfType(msgs, "token", fresh_id);
  ASSERT_EQ(a.size(), 4u);  // the parent's 8 - 3 kept - 1 forced
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at("id"), b[i].at("id"));
    EXPECT_EQ(a[i].at("position"), b[i].at("position"));
    EXPECT_DOUBLE_EQ(a[i].at("logit").to_number<double>(), b[i].at("logit").to_number<double>());
  }
  // Branching past the end is refused.
  c->OnText(R"({"type":"branch","session":")" + parent + R"(","step":9,"token":5})");
  EXPECT_EQ(OfType(s->Messages(), "error").back().at("code"), "bad_request");
}

float F32At(const std::string& b, size_t off) {
  float f;
  std::memcpy(&f, b.data() + off, 4);
  return f;
}
uint32_t U32At(const std::string& b, size_t off) {
  uint32_t u;
  std::memcpy(&u, b.data() + off, 4);
  return u;
}

TEST_F(DebuggerTest, BinaryFramesCarryTopKLogitsAndAttention) {
  auto [s, c] = Connect();
  const std::string id = Start(
      c, *s, "bin",
      R"(,"format":"binary","probes":{"top_k":4,"full_logits":true,"attention":{"layers":[0],"heads":[1]}})");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  const auto tokens = OfType(s->Messages(), "token", id);
  const auto bins = s->Binaries();
  ASSERT_EQ(tokens.size(), 6u);
  ASSERT_EQ(bins.size(), 6u);
  for (size_t i = 0; i < bins.size(); ++i) {
    const std::string& b = bins[i];
    const json::object& t = tokens[i];
    ASSERT_EQ(b.substr(0, 4), "INF1");
    EXPECT_EQ(b[4], 1);
    uint64_t seq;
    std::memcpy(&seq, b.data() + 8, 8);
    EXPECT_EQ(int64_t(seq), t.at("seq").as_int64());
    const uint32_t slen = U32At(b, 16);
    EXPECT_EQ(b.substr(20, slen), id);
    size_t o = 20 + slen;
    EXPECT_EQ(int32_t(U32At(b, o)), t.at("position").as_int64());
    EXPECT_EQ(int32_t(U32At(b, o + 4)), t.at("id").as_int64());
    EXPECT_FLOAT_EQ(F32At(b, o + 12), float(t.at("prob").to_number<double>()));
    o += 24;
    ASSERT_EQ(U32At(b, o), 4u);
    const auto& top = t.at("top").as_array();
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(int32_t(U32At(b, o + 4 + 12 * k)), top[k].at("id").as_int64());
      EXPECT_FALSE(top[k].as_object().contains("prob"));  // numbers only in the frame
    }
    o += 4 + 12 * 4;
    ASSERT_EQ(U32At(b, o), 32000u);
    const float top_logit = F32At(b, o + 4 + 4 * size_t(t.at("id").as_int64()));
    EXPECT_FLOAT_EQ(top_logit, float(t.at("logit").to_number<double>()));
    o += 4 + 4 * 32000;
    const int32_t qpos = int32_t(U32At(b, o));
    EXPECT_EQ(qpos, t.at("position").as_int64() - 1);
    ASSERT_EQ(U32At(b, o + 4), 1u);   // one head
    EXPECT_EQ(U32At(b, o + 8), 0u);   // layer 0
    EXPECT_EQ(U32At(b, o + 12), 1u);  // head 1
    const uint32_t n = U32At(b, o + 16);
    ASSERT_EQ(int32_t(n), qpos + 1);
    double sum = 0;
    for (uint32_t j = 0; j < n; ++j) sum += F32At(b, o + 20 + 4 * j);
    EXPECT_NEAR(sum, 1.0, 1e-4);
    EXPECT_EQ(b.size(), o + 20 + 4 * n);
  }
  EXPECT_TRUE(OfType(s->Messages(), "probe", id).empty());  // attention went binary
}

TEST_F(DebuggerTest, ResumeReplaysMissedMessagesAndContinues) {
  Limits limits;
  limits.send_queue_bytes = 16 * 1024;
  Make(limits);
  auto [s1, c1] = Connect();
  c1->OnText(R"({"type":"hello","version":1})");
  const std::string token(OfType(s1->Messages(), "hello")[0].at("resume").as_string());
  s1->SetAutoDrain(false);  // a stalled client: generation pauses after a few tokens
  const std::string id =
      Start(c1, *s1, "r", R"(,"max_tokens":30,"ignore_eos":true,"probes":{"full_logits":true})");
  ASSERT_TRUE(s1->WaitFor([&](const auto& m) { return OfType(m, "token", id).size() >= 1; }));
  // The client had read up to the prompt message when its socket dropped (what it had not
  // read yet, like the first token, is lost with the socket).
  int64_t last_seq = 0;
  for (const auto& m : s1->Messages()) {
    if (m.at("type") == "prompt") last_seq = m.at("seq").as_int64();
  }
  ASSERT_GT(last_seq, 0);
  s1->Close();
  c1->OnClose();
  EXPECT_EQ(debugger_->running_sessions(), 1);  // kept for the resume window

  auto [s2, c2] = Connect();
  c2->OnText(R"({"type":"hello","version":1,"resume":")" + token + R"(","last_seq":)" +
             std::to_string(last_seq) + "}");
  ASSERT_TRUE(s2->WaitFor([&](const auto& m) { return HasDone(m, id); }));
  const auto msgs = s2->Messages();
  ASSERT_EQ(msgs[0].at("type"), "hello");
  EXPECT_EQ(msgs[0].at("resumed"), true);
  EXPECT_EQ(msgs[0].at("sessions").as_array().size(), 1u);
  // Every message after last_seq arrives exactly once (replayed ones, the new hello, then
  // new ones): the seqs are exactly last_seq+1, last_seq+2, ...
  std::vector<int64_t> sorted;
  for (const auto& m : msgs) sorted.push_back(m.at("seq").as_int64());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], last_seq + 1 + int64_t(i));
  const auto tokens = OfType(msgs, "token", id);
  ASSERT_EQ(tokens.size(), 30u);  // the replayed first token(s), then the rest
  for (size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(tokens[i].at("index"), int64_t(i));
  EXPECT_EQ(msgs[1].at("seq"), last_seq + 1);  // replay starts right after the hello
  // An unknown token is refused, and that connection still works.
  auto [s3, c3] = Connect();
  c3->OnText(R"({"type":"hello","version":1,"resume":"nope"})");
  EXPECT_EQ(OfType(s3->Messages(), "error")[0].at("code"), "resume_failed");
}

TEST_F(DebuggerTest, ResumeWindowExpires) {
  Limits limits;
  limits.resume_seconds = 1;
  Make(limits);
  auto [s1, c1] = Connect();
  c1->OnText(R"({"type":"hello","version":1})");
  const std::string token(OfType(s1->Messages(), "hello")[0].at("resume").as_string());
  const std::string id = Start(c1, *s1, "x", R"(,"max_tokens":4000,"ignore_eos":true)");
  ASSERT_TRUE(s1->WaitFor([&](const auto& m) { return !OfType(m, "token", id).empty(); }));
  s1->Close();
  c1->OnClose();
  // Parked sessions are cancelled once the window is over (checked every second).
  for (int i = 0; i < 500 && debugger_->running_sessions() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(debugger_->running_sessions(), 0);
  auto [s2, c2] = Connect();
  c2->OnText(R"({"type":"hello","version":1,"resume":")" + token + R"("})");
  EXPECT_EQ(OfType(s2->Messages(), "error").at(0).at("code"), "resume_failed");
}

TEST_F(DebuggerTest, CompareSameSettingsAgreesEverywhere) {
  auto [s, c] = Connect();
  c->OnText(R"({"type":"compare","id":"cmp","prompt":"Once upon a time","max_tokens":6,
                "ignore_eos":true,"sampling":{"temperature":0},"a":{},"b":{}})");
  ASSERT_TRUE(s->WaitFor([](const auto& m) {
    for (const auto& x : OfType(m, "compare")) {
      if (x.at("kind") == "summary") return true;
    }
    return false;
  }));
  const auto msgs = s->Messages();
  std::vector<json::object> steps, summary;
  for (const auto& x : OfType(msgs, "compare")) {
    if (x.at("kind") == "step") steps.push_back(x);
    if (x.at("kind") == "summary") summary.push_back(x);
  }
  ASSERT_EQ(steps.size(), 6u);
  for (const auto& st : steps) {
    EXPECT_NEAR(st.at("kl_ab").to_number<double>(), 0.0, 1e-9);
    EXPECT_EQ(st.at("top1_agree"), true);
  }
  EXPECT_EQ(summary.at(0).at("first_divergence"), -1);
  EXPECT_DOUBLE_EQ(summary[0].at("top1_agreement").to_number<double>(), 1.0);
  // The sides' token messages do not carry the logits nobody asked for.
  for (const auto& t : OfType(msgs, "token")) EXPECT_FALSE(t.contains("logits"));
}

TEST_F(DebuggerTest, CompareTwoModelsReportsKlAndFirstDivergence) {
  auto [s, c] = Connect();
  c->OnText(R"({"type":"compare","prompt":"Once upon a time","max_tokens":12,"ignore_eos":true,
                "sampling":{"temperature":0},"probes":{"full_logits":true},
                "a":{},"b":{"model":"q4"}})");
  ASSERT_TRUE(s->WaitFor([](const auto& m) {
    for (const auto& x : OfType(m, "compare")) {
      if (x.at("kind") == "summary") return true;
    }
    return false;
  }));
  const auto msgs = s->Messages();
  const auto link = OfType(msgs, "compare").at(0);
  ASSERT_EQ(link.at("kind"), "session");
  const std::string a(link.at("a").as_string()), b(link.at("b").as_string());
  const auto ta = OfType(msgs, "token", a), tb = OfType(msgs, "token", b);
  ASSERT_EQ(ta.size(), 12u);
  ASSERT_EQ(tb.size(), 12u);
  int first_div = -1;
  for (size_t i = 0; i < 12 && first_div < 0; ++i) {
    if (ta[i].at("id") != tb[i].at("id")) first_div = int(i);
  }
  int step = 0;
  for (const auto& x : OfType(msgs, "compare")) {
    if (x.at("kind") != "step") continue;
    // KL recomputed here from the two logits vectors.
    const auto& la = ta[step].at("logits").as_array();
    const auto& lb = tb[step].at("logits").as_array();
    std::vector<double> pa(la.size()), pb(lb.size());
    double ma = -1e300, mb = -1e300;
    for (size_t i = 0; i < la.size(); ++i) {
      pa[i] = la[i].to_number<double>();
      pb[i] = lb[i].to_number<double>();
      ma = std::max(ma, pa[i]);
      mb = std::max(mb, pb[i]);
    }
    double za = 0, zb = 0;
    for (size_t i = 0; i < pa.size(); ++i) {
      za += std::exp(pa[i] - ma);
      zb += std::exp(pb[i] - mb);
    }
    double kl = 0;
    for (size_t i = 0; i < pa.size(); ++i) {
      const double lpa = pa[i] - ma - std::log(za), lpb = pb[i] - mb - std::log(zb);
      kl += std::exp(lpa) * (lpa - lpb);
    }
    EXPECT_NEAR(x.at("kl_ab").to_number<double>(), kl, 1e-6 + 1e-4 * kl) << "step " << step;
    EXPECT_EQ(x.at("index"), step);
    EXPECT_EQ(x.at("a").at("id"), ta[step].at("id"));
    EXPECT_EQ(x.at("b").at("id"), tb[step].at("id"));
    ++step;
  }
  EXPECT_EQ(step, 12);
  const auto summary = OfType(msgs, "compare").back();
  EXPECT_EQ(summary.at("kind"), "summary");
  EXPECT_EQ(summary.at("first_divergence"), first_div);
  EXPECT_GT(summary.at("mean_kl_ab").to_number<double>(), 0.0);  // 4-bit vs 8-bit weights
}

TEST_F(DebuggerTest, DroppedConnectionWithoutHelloCancelsItsSessions) {
  auto [s, c] = Connect();
  const std::string id = Start(c, *s, "drop", R"(,"max_tokens":2000,"ignore_eos":true)");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return OfType(m, "token", id).size() >= 2; }));
  s->Close();
  c->OnClose();
  for (int i = 0; i < 500 && debugger_->running_sessions() > 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(debugger_->running_sessions(), 0);
}

// Saving a session is I/O (SQLite, synchronous=FULL) and must hold up no session: with the
// store stuck in its first write, sessions still stream to their end, a branch finds the
// session that just ended, and shutdown writes every finished session.
TEST_F(DebuggerTest, AStuckStoreHoldsUpNoSession) {
  auto disk = std::make_shared<GatedStore>();
  Make(Limits{}, disk);
  auto [s1, c1] = Connect();
  const std::string a = Start(c1, *s1, "a", R"(,"max_tokens":8,"ignore_eos":true)");
  ASSERT_TRUE(disk->WaitEntered(1));  // a's first save: no write completes from now on
  ASSERT_TRUE(s1->WaitFor([&](const auto& m) { return HasDone(m, a); }));
  EXPECT_EQ(OfType(s1->Messages(), "token", a).size(), 8u);

  auto [s2, c2] = Connect();
  const std::string b = Start(c2, *s2, "b", R"(,"max_tokens":8,"ignore_eos":true)");
  ASSERT_TRUE(s2->WaitFor([&](const auto& m) { return HasDone(m, b); }));
  EXPECT_EQ(OfType(s2->Messages(), "token", b).size(), 8u);

  const int64_t token = OfType(s1->Messages(), "token", a)[2].at("id").as_int64();
  c1->OnText(R"({"type":"branch","id":"child","session":")" + a + R"(","step":2,"token":)" +
             std::to_string(token) + "}");
  std::string child;
  ASSERT_TRUE(s1->WaitFor([&](const auto& m) { return !(child = SessionOf(m, "child")).empty(); }));
  ASSERT_TRUE(s1->WaitFor([&](const auto& m) { return HasDone(m, child); }));
  EXPECT_TRUE(OfType(s1->Messages(), "error").empty());
  EXPECT_EQ(disk->written(), 0);

  disk->Open();
  for (auto& conn : conns_) conn.second->OnClose();
  conns_.clear();
  debugger_.reset();
  for (const std::string& id : {a, b, child}) {
    std::optional<SessionRecord> rec = disk->Find(id);
    ASSERT_TRUE(rec) << id;
    EXPECT_EQ(rec->finish_reason, "length") << id;
  }
  EXPECT_EQ(disk->Find(a)->tokens.size(), 8u);
  EXPECT_EQ(disk->Find(child)->parent, a);
}

// A remote model's insides are out of reach: a session or a compare of one is refused with
// remote_model and the reason, the connection stays usable, and nothing is counted as running.
TEST_F(DebuggerTest, RemoteModelsAreRefusedWithTheReason) {
  debugger_->set_is_remote([](const std::string& m) { return m == "peer/big"; });
  auto [s, c] = Connect();
  c->OnText(R"({"type":"start","id":"r1","model":"peer/big","prompt":"Hi","max_tokens":2})");
  const std::string session = SessionOf(s->Messages(), "r1");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return !OfType(m, "error").empty(); }));
  const json::object err = OfType(s->Messages(), "error").at(0);
  EXPECT_EQ(err.at("code"), "remote_model");
  EXPECT_EQ(err.at("session"), json::value(session));
  const std::string message(err.at("message").as_string());
  for (const char* what : {"peer/big", "attention", "logit lens", "router", "full logits",
                           "branching with KV reuse", "/api/compare"}) {
    EXPECT_NE(message.find(what), std::string::npos) << what << " in " << message;
  }
  c->OnText(R"({"type":"compare","prompt":"Hi","max_tokens":2,"a":{},"b":{"model":"peer/big"}})");
  ASSERT_TRUE(s->WaitFor([](const auto& m) { return OfType(m, "error").size() == 2; }));
  const json::object cmp = OfType(s->Messages(), "error").at(1);
  EXPECT_EQ(cmp.at("code"), "remote_model");
  EXPECT_NE(std::string(cmp.at("message").as_string()).find("POST /api/compare"),
            std::string::npos);
  EXPECT_TRUE(OfType(s->Messages(), "compare").empty());
  // A local model still runs on the same connection.
  const std::string local = Start(c, *s, "ok");
  ASSERT_TRUE(s->WaitFor([&](const auto& m) { return HasDone(m, local); }));
  EXPECT_EQ(OfType(s->Messages(), "done", local).size(), 1u);
  ASSERT_TRUE(s->WaitFor([&](const auto&) { return debugger_->running_sessions() == 0; }));
}

}  // namespace
}  // namespace inferno::server::debugger
