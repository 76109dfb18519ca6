// The WebSocket debugger end to end: the real `inferno serve` binary over loopback, spoken to
// by a Boost.Beast WebSocket client (the only translation unit that compiles Beast's client
// side, to keep build time down). Covers every message type, binary frames, malformed frames,
// a connection dropped mid-stream, a slow reader (the server's memory stays bounded), resume
// after reconnecting, and 20 concurrent sessions.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace fs = std::filesystem;
using net::ip::tcp;
using namespace std::chrono_literals;
using testing::ServerProcess;

struct Frame {
  bool binary = false;
  std::string data;
  json::object msg;  // parsed when text
};

// A blocking WebSocket client with a read timeout. `origin` is sent as a browser would (""
// = none, as a non-browser client); `api_key` as 'Authorization: Bearer'.
class WsClient {
 public:
  explicit WsClient(int port, const std::string& origin = "", const std::string& api_key = "")
      : ws_(ioc_) {
    tcp::resolver resolver(ioc_);
    beast::get_lowest_layer(ws_).expires_after(10s);
    beast::get_lowest_layer(ws_).connect(
        *resolver.resolve("127.0.0.1", std::to_string(port)).begin());
    beast::get_lowest_layer(ws_).expires_never();
    ws_.read_message_max(64 << 20);
    ws_.set_option(websocket::stream_base::decorator([=](websocket::request_type& req) {
      if (!origin.empty()) req.set(beast::http::field::origin, origin);
      if (!api_key.empty()) req.set(beast::http::field::authorization, "Bearer " + api_key);
    }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  }
  void Send(const std::string& text) {
    ws_.text(true);
    ws_.write(net::buffer(text));
  }
  void SendBinary(const std::string& data) {
    ws_.binary(true);
    ws_.write(net::buffer(data));
  }
  // The next frame, or nullopt after `timeout`.
  std::optional<Frame> Read(std::chrono::milliseconds timeout = 30000ms) {
    beast::flat_buffer buf;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(timeout);
    ws_.read(buf, ec);
    error_ = ec;
    if (ec) return std::nullopt;
    Frame f;
    f.binary = ws_.got_binary();
    f.data = beast::buffers_to_string(buf.data());
    if (!f.binary) f.msg = json::parse(f.data).as_object();
    return f;
  }
  // Reads until a JSON message satisfies pred; returns every frame read (including it).
  std::vector<Frame> ReadUntil(const std::function<bool(const json::object&)>& pred,
                               std::chrono::milliseconds timeout = 60000ms) {
    std::vector<Frame> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<Frame> f = Read(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!f) break;
      out.push_back(*f);
      if (!f->binary && pred(f->msg)) return out;
    }
    ADD_FAILURE() << "timed out after " << out.size() << " frames";
    return out;
  }
  // Why the last Read() returned nothing (websocket::error::closed: the server closed it).
  beast::error_code error() const { return error_; }
  websocket::close_reason close_reason() const { return ws_.reason(); }
  // Closes the TCP connection without a WebSocket close handshake (a crashed client).
  void Drop() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::error_code error_;
};

bool Is(const json::object& m, const char* type, const std::string& session = "") {
  if (m.at("type") != type) return false;
  return session.empty() || (m.contains("session") && m.at("session") == session.c_str());
}

std::vector<json::object> Msgs(const std::vector<Frame>& frames, const char* type,
                               const std::string& session = "") {
  std::vector<json::object> out;
  for (const Frame& f : frames) {
    if (!f.binary && Is(f.msg, type, session)) out.push_back(f.msg);
  }
  return out;
}

std::string SessionId(WsClient& c, const std::string& start) {
  c.Send(start);
  std::vector<Frame> f =
      c.ReadUntil([](const json::object& m) { return Is(m, "session") || Is(m, "error"); });
  if (f.empty() || !Is(f.back().msg, "session")) return "";
  return std::string(f.back().msg.at("session").as_string());
}

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A second web origin the server lets in (CORS): a browser page there may connect, but does
// not own the sessions pages of the server's own origin start.
constexpr const char* kOtherOrigin = "http://other.example";

std::string OwnOrigin(int port) { return "http://127.0.0.1:" + std::to_string(port); }

std::string Branch(const std::string& parent) {
  return R"({"type":"branch","session":")" + parent + R"(","step":1,"token":5,"max_tokens":2})";
}

// The answer to a branch: "session" for a new session, else the error's code.
std::string BranchAnswer(WsClient& c, const std::string& parent) {
  c.Send(Branch(parent));
  std::vector<Frame> f =
      c.ReadUntil([](const json::object& m) { return Is(m, "session") || Is(m, "error"); });
  if (f.empty()) return "";
  if (Is(f.back().msg, "session")) return "session";
  return std::string(f.back().msg.at("code").as_string());
}

class DebuggerWsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(fs::temp_directory_path() / ("inferno_dbgws_" + std::to_string(getpid())));
    fs::create_directories(*data_);
    server_ = new ServerProcess({"-m", testing::FixtureModel(), "--data-dir", data_->string(),
                                 "--ctx-size", "1024", "--parallel", "4", "--threads", "2",
                                 "--max-debug-sessions", "24", "--cors-origin", kOtherOrigin});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Stop(), 0);
    delete server_;
    fs::remove_all(*data_);
    delete data_;
  }
  static ServerProcess* server_;
  static fs::path* data_;
};
ServerProcess* DebuggerWsTest::server_ = nullptr;
fs::path* DebuggerWsTest::data_ = nullptr;

TEST_F(DebuggerWsTest, EveryMessageType) {
  WsClient c(server_->port());
  c.Send(R"({"type":"hello","version":1})");
  std::optional<Frame> hello = c.Read();
  ASSERT_TRUE(hello && Is(hello->msg, "hello"));
  EXPECT_EQ(hello->msg.at("version"), 1);
  c.Send(R"({"type":"ping","data":"x"})");
  std::optional<Frame> pong = c.Read();
  ASSERT_TRUE(pong && Is(pong->msg, "pong"));
  EXPECT_EQ(pong->msg.at("data"), "x");

  c.Send(R"({"type":"start","id":"one","prompt":"Once upon a time","max_tokens":5,
             "sampling":{"temperature":0},
             "probes":{"top_k":5,"attention":{"layers":[0],"heads":[1]},"logit_lens":true,
                       "prompt_surprisal":true}})");
  std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const std::string id(Msgs(frames, "session").at(0).at("session").as_string());
  EXPECT_EQ(Msgs(frames, "session")[0].at("id"), "one");
  EXPECT_FALSE(Msgs(frames, "status", id).empty());
  ASSERT_EQ(Msgs(frames, "prompt", id).size(), 1u);
  const auto tokens = Msgs(frames, "token", id);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].at("top").as_array().size(), 5u);
  std::map<std::string, int> kinds;
  for (const auto& p : Msgs(frames, "probe", id)) ++kinds[std::string(p.at("kind").as_string())];
  EXPECT_EQ(kinds["attention"], 5);
  EXPECT_EQ(kinds["logit_lens"], 5);
  EXPECT_EQ(kinds["surprisal"], 1);
  EXPECT_EQ(Msgs(frames, "done", id).at(0).at("finish_reason"), "length");

  // branch: continue step 2 with the parent's runner-up token.
  const int64_t forced = tokens[2].at("top").as_array()[1].at("id").as_int64();
  c.Send(R"({"type":"branch","session":")" + id + R"(","step":2,"token":)" +
         std::to_string(forced) + "}");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const auto child = Msgs(frames, "session");
  ASSERT_EQ(child.size(), 1u);
  EXPECT_EQ(child[0].at("parent"), id.c_str());
  const auto prompt = Msgs(frames, "prompt").at(0).at("tokens").as_array();
  EXPECT_EQ(prompt.back().at("id").as_int64(), forced);

  // stop, and the error for an unknown session.
  const std::string long_id =
      SessionId(c, R"({"type":"start","prompt":"Hello","max_tokens":2000,"ignore_eos":true})");
  ASSERT_FALSE(long_id.empty());
  c.ReadUntil([&](const json::object& m) { return Is(m, "token", long_id); });
  c.Send(R"({"type":"stop","session":")" + long_id + "\"}");
  frames = c.ReadUntil([&](const json::object& m) { return Is(m, "done", long_id); });
  EXPECT_EQ(frames.back().msg.at("finish_reason"), "cancelled");
  c.Send(R"({"type":"stop","session":"nope"})");
  std::optional<Frame> err = c.Read();
  ASSERT_TRUE(err && Is(err->msg, "error"));
  EXPECT_EQ(err->msg.at("code"), "unknown_session");
}

// docs/protocol.md: errors close the connection only when not recoverable; unsupported_version
// is not: the client reads the error, then the server's close.
// A start with a grammar: the alternatives it refused are marked, the text follows it, and a
// branch continues the grammar from the forced token (a refused one is an error).
TEST_F(DebuggerWsTest, GrammarMarksRemovedAlternativesAndBranchesKeepIt) {
  WsClient c(server_->port());
  c.Send(R"({"type":"start","prompt":"Once upon a time","max_tokens":20,
             "grammar":"root ::= [a-c]{6}","sampling":{"temperature":0},"probes":{"top_k":10}})");
  std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const std::string id(Msgs(frames, "session").at(0).at("session").as_string());
  const auto tokens = Msgs(frames, "token", id);
  ASSERT_FALSE(tokens.empty());
  std::string text;
  int removed = 0;
  int64_t allowed_other = -1, refused = -1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    text += tokens[i].at("text").as_string();
    for (const json::value& t : tokens[i].at("top").as_array()) {
      const bool r = t.as_object().contains("removed");
      removed += r;
      if (t.at("id") == tokens[i].at("id")) {
        EXPECT_FALSE(r);
      }
      if (i == 1 && r && refused < 0) refused = t.at("id").as_int64();
      if (i == 1 && !r && t.at("id") != tokens[i].at("id") && allowed_other < 0) {
        allowed_other = t.at("id").as_int64();
      }
    }
  }
  EXPECT_TRUE(std::regex_match(text, std::regex("[a-c]{6}"))) << text;
  EXPECT_GT(removed, 0);
  EXPECT_EQ(Msgs(frames, "done", id).at(0).at("finish_reason"), "stop");

  ASSERT_GE(refused, 0);
  c.Send(R"({"type":"branch","session":")" + id + R"(","step":1,"token":)" +
         std::to_string(refused) + "}");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "done") || Is(m, "error"); });
  EXPECT_NE(frames.back().msg.at("message").as_string().find("the grammar refuses"),
            std::string::npos)
      << json::serialize(frames.back().msg);
  if (allowed_other < 0) return;  // no allowed runner-up among the top 10 at step 1
  c.Send(R"({"type":"branch","session":")" + id + R"(","step":1,"token":)" +
         std::to_string(allowed_other) + "}");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  std::string child;
  for (const auto& t : Msgs(frames, "token")) child += t.at("text").as_string();
  EXPECT_EQ(Msgs(frames, "done").at(0).at("finish_reason"), "stop");
  // The parent's first token and the forced one are in the prompt; the rest completes six.
  EXPECT_TRUE(std::regex_match(child, std::regex("[a-c]*"))) << child;
}

TEST_F(DebuggerWsTest, UnsupportedVersionClosesTheConnection) {
  WsClient c(server_->port());
  c.Send(R"({"type":"hello","version":2})");
  std::optional<Frame> err = c.Read();
  ASSERT_TRUE(err && Is(err->msg, "error"));
  EXPECT_EQ(err->msg.at("code"), "unsupported_version");
  EXPECT_EQ(err->msg.at("recoverable"), false);
  EXPECT_FALSE(c.Read(10000ms));
  EXPECT_EQ(c.error(), websocket::error::closed) << c.error().message();
  EXPECT_EQ(c.close_reason().code, websocket::close_code::normal);
}

// A session belongs to the client that started it: another web origin, or a non-browser
// client, cannot branch from it (it is told the session does not exist); a second connection
// from the same origin can.
TEST_F(DebuggerWsTest, SessionsAreReachableOnlyFromTheirOrigin) {
  const int port = server_->port();
  WsClient owner(port, OwnOrigin(port));
  owner.Send(R"({"type":"start","prompt":"Hello","max_tokens":3,"sampling":{"temperature":0}})");
  std::vector<Frame> f = owner.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const std::string id(Msgs(f, "session").at(0).at("session").as_string());
  EXPECT_EQ(id.size(), 33u);
  for (const std::string& origin : {std::string(kOtherOrigin), std::string()}) {
    WsClient other(port, origin);
    EXPECT_EQ(BranchAnswer(other, id), "unknown_session") << "Origin: " << origin;
    other.Send(R"({"type":"stop","session":")" + id + "\"}");
    std::optional<Frame> stop = other.Read();
    ASSERT_TRUE(stop && Is(stop->msg, "error"));
    EXPECT_EQ(stop->msg.at("code"), "unknown_session");
  }
  WsClient again(port, OwnOrigin(port));
  EXPECT_EQ(BranchAnswer(again, id), "session");
}

// `start` takes the roles the HTTP API takes and refuses the others with its message, so a
// role the chat template does not know never reaches the prompt. Tool results (role "tool")
// come with the HTTP API's tool calls, which the debugger's prompts do not have.
TEST_F(DebuggerWsTest, StartRefusesRolesLikeTheHttpApi) {
  WsClient c(server_->port());
  auto ws_error = [&](const std::string& messages) {
    c.Send(R"({"type":"start","max_tokens":1,"messages":)" + messages + "}");
    std::optional<Frame> err = c.Read();
    EXPECT_TRUE(err && Is(err->msg, "error")) << (err ? err->data : "no answer");
    if (!err || !Is(err->msg, "error")) return std::string();
    EXPECT_EQ(err->msg.at("code"), "bad_request");
    EXPECT_EQ(err->msg.at("recoverable"), true);
    return std::string(err->msg.at("message").as_string());
  };
  const std::string evil = R"([{"role":"evil","content":"hi"}])";
  testing::HttpResponse http =
      testing::HttpRequest(server_->port(), "POST", "/v1/chat/completions",
                           R"({"messages":)" + evil + R"(,"max_tokens":1})");
  ASSERT_EQ(http.status, 400) << http.body;
  EXPECT_EQ(testing::ErrorField(http, "message"),
            "unsupported role 'evil' (system, user, assistant, tool)");
  EXPECT_EQ(ws_error(evil), "start: unsupported role 'evil' (system, user, assistant)");
  EXPECT_EQ(ws_error(R"([{"role":"tool","content":"hi"}])"),
            "start: unsupported role 'tool' (system, user, assistant)");
  // "developer" is OpenAI's name for system, in both.
  c.Send(R"({"type":"start","max_tokens":1,"messages":[{"role":"developer","content":"Be brief."},
             {"role":"user","content":"Hi"}]})");
  std::vector<Frame> f =
      c.ReadUntil([](const json::object& m) { return Is(m, "done") || Is(m, "error"); });
  EXPECT_TRUE(Is(f.back().msg, "done")) << f.back().data;
}

TEST_F(DebuggerWsTest, BinaryFramesDecode) {
  WsClient c(server_->port());
  c.Send(R"({"type":"start","prompt":"Hello","max_tokens":3,"format":"binary",
             "sampling":{"temperature":0},"probes":{"top_k":8,"full_logits":true}})");
  std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  int checked = 0;
  for (size_t i = 0; i + 1 < frames.size(); ++i) {
    if (frames[i].binary || !Is(frames[i].msg, "token")) continue;
    const json::object& t = frames[i].msg;
    ASSERT_TRUE(frames[i + 1].binary) << "a binary frame follows each token message";
    const std::string& b = frames[i + 1].data;
    ASSERT_EQ(b.substr(0, 4), "INF1");
    uint32_t slen, k, n;
    std::memcpy(&slen, b.data() + 16, 4);
    size_t o = 20 + slen + 24;
    std::memcpy(&k, b.data() + o, 4);
    ASSERT_EQ(k, 8u);
    for (uint32_t j = 0; j < k; ++j) {
      int32_t id;
      std::memcpy(&id, b.data() + o + 4 + 12 * j, 4);
      EXPECT_EQ(id, t.at("top").as_array()[j].at("id").as_int64());
    }
    o += 4 + 12 * k;
    std::memcpy(&n, b.data() + o, 4);
    EXPECT_EQ(n, 32000u);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// The prompt×prompt attention map: one `probe` of kind attention_prompt after the prompt, as
// JSON rows, and in binary mode as a kind-2 binary frame holding the same numbers.
TEST_F(DebuggerWsTest, PromptAttentionMapJsonAndBinary) {
  const std::string fields = R"("prompt":"Once upon a time there was a little fox","max_tokens":2,
      "sampling":{"temperature":0},
      "probes":{"top_k":3,"attention":{"layers":[1,0],"heads":[3,1],"prompt":true,"tokens":false}})";
  WsClient c(server_->port());
  c.Send(R"({"type":"start",)" + fields + "}");
  std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const auto prompt = Msgs(frames, "prompt").at(0).at("tokens").as_array();
  const size_t n = prompt.size();
  std::vector<json::object> probes = Msgs(frames, "probe");
  ASSERT_EQ(probes.size(), 1u) << "tokens:false: no per-token attention";
  const json::object& p = probes[0];
  EXPECT_EQ(p.at("kind"), "attention_prompt");
  EXPECT_EQ(p.at("positions").as_int64(), int64_t(n));
  const json::array& heads = p.at("heads").as_array();
  ASSERT_EQ(heads.size(), 4u);
  // Layers ascending, heads ascending within each.
  const int want_lh[4][2] = {{0, 1}, {0, 3}, {1, 1}, {1, 3}};
  std::vector<std::vector<float>> json_weights;
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(heads[k].at("layer").as_int64(), want_lh[k][0]);
    EXPECT_EQ(heads[k].at("head").as_int64(), want_lh[k][1]);
    const json::array& rows = heads[k].at("rows").as_array();
    ASSERT_EQ(rows.size(), n);
    std::vector<float> flat;
    for (size_t i = 0; i < n; ++i) {
      const json::array& row = rows[i].as_array();
      ASSERT_EQ(row.size(), i + 1) << "row " << i << " is causal";
      double sum = 0;
      for (const json::value& v : row) {
        sum += v.to_number<double>();
        flat.push_back(float(v.to_number<double>()));
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
    json_weights.push_back(std::move(flat));
  }
  // It comes after the prompt and before the first token.
  size_t probe_at = 0, token_at = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].binary) continue;
    if (Is(frames[i].msg, "probe") && probe_at == 0) probe_at = i;
    if (Is(frames[i].msg, "token") && token_at == 0) token_at = i;
  }
  EXPECT_LT(probe_at, token_at);

  // Binary mode: the JSON probe names the heads, the binary frame with its seq has the rows.
  c.Send(R"({"type":"start","format":"binary",)" + fields + "}");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  int decoded = 0;
  for (size_t i = 0; i + 1 < frames.size(); ++i) {
    if (frames[i].binary || !Is(frames[i].msg, "probe")) continue;
    const json::object& m = frames[i].msg;
    ASSERT_EQ(m.at("kind"), "attention_prompt");
    EXPECT_EQ(m.at("binary"), true);
    EXPECT_FALSE(m.at("heads").as_array()[0].as_object().contains("rows"));
    ASSERT_TRUE(frames[i + 1].binary);
    const std::string& b = frames[i + 1].data;
    ASSERT_EQ(b.substr(0, 4), "INF1");
    EXPECT_EQ(b[4], 2) << "kind 2: attention_prompt";
    uint64_t seq;
    uint32_t slen, positions, n_heads;
    std::memcpy(&seq, b.data() + 8, 8);
    EXPECT_EQ(int64_t(seq), m.at("seq").as_int64());
    std::memcpy(&slen, b.data() + 16, 4);
    EXPECT_EQ(b.substr(20, slen), std::string(m.at("session").as_string()));
    size_t o = 20 + slen;
    std::memcpy(&positions, b.data() + o, 4);
    std::memcpy(&n_heads, b.data() + o + 4, 4);
    o += 8;
    ASSERT_EQ(positions, n);
    ASSERT_EQ(n_heads, 4u);
    const size_t tri = n * (n + 1) / 2;
    ASSERT_EQ(b.size(), o + n_heads * (8 + 4 * tri));
    for (size_t k = 0; k < n_heads; ++k) {
      int32_t layer, head;
      std::memcpy(&layer, b.data() + o, 4);
      std::memcpy(&head, b.data() + o + 4, 4);
      EXPECT_EQ(layer, want_lh[k][0]);
      EXPECT_EQ(head, want_lh[k][1]);
      std::vector<float> w(tri);
      std::memcpy(w.data(), b.data() + o + 8, 4 * tri);
      // The same prompt, greedy: the same numbers as the JSON rows (which print each float
      // exactly).
      EXPECT_EQ(w, json_weights[k]) << "head " << k;
      o += 8 + 4 * tri;
    }
    ++decoded;
  }
  EXPECT_EQ(decoded, 1);

  // Above the size limit: a clear error, and the connection stays usable.
  std::string ids;
  for (int i = 0; i < 800; ++i) ids += (i ? "," : "") + std::to_string(1 + (i * 97) % 31000);
  c.Send(R"({"type":"start","prompt_tokens":[)" + ids +
         R"(],"max_tokens":1,"probes":{"attention":{"prompt":true}}})");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "error"); });
  const json::object& err = frames.back().msg;
  EXPECT_EQ(err.at("code"), "bad_request");
  EXPECT_NE(std::string(err.at("message").as_string()).find("prompt attention map"),
            std::string::npos)
      << err.at("message");
  c.Send(R"({"type":"start","prompt":"Hi","probes":{"attention":{"prompt":"yes"}}})");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "error"); });
  EXPECT_EQ(frames.back().msg.at("code"), "bad_request");
  EXPECT_NE(std::string(frames.back().msg.at("message").as_string()).find("'prompt'"),
            std::string::npos);
  c.Send(R"({"type":"ping"})");
  frames = c.ReadUntil([](const json::object& m) { return Is(m, "pong"); });
  EXPECT_FALSE(frames.empty());
}

TEST_F(DebuggerWsTest, MalformedFramesKeepTheConnection) {
  WsClient c(server_->port());
  c.Send("{not json");
  c.Send(R"({"type":"launch"})");
  c.Send(std::string(400 * 1024, 'x'));
  c.SendBinary("\x00\x01");
  c.Send(R"({"type":"start","prompt":"x","probes":{"attention":"yes"}})");
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    std::optional<Frame> f = c.Read();
    ASSERT_TRUE(f && Is(f->msg, "error"));
    EXPECT_EQ(f->msg.at("recoverable"), true);
    codes.push_back(std::string(f->msg.at("code").as_string()));
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"bad_json", "unknown_type", "too_large",
                                             "binary_not_accepted", "bad_request"}));
  c.Send(R"({"type":"ping"})");
  std::optional<Frame> pong = c.Read();
  ASSERT_TRUE(pong && Is(pong->msg, "pong"));
}

TEST_F(DebuggerWsTest, DroppedConnectionMidStreamFreesItsSession) {
  {
    WsClient c(server_->port());
    const std::string id =
        SessionId(c, R"({"type":"start","prompt":"Hello","max_tokens":4000,"ignore_eos":true})");
    ASSERT_FALSE(id.empty());
    c.ReadUntil([&](const json::object& m) { return Is(m, "token", id); });
    c.Drop();
  }
  // The server goes on serving, and the dropped session's place is given back: all 24 places
  // (--max-debug-sessions) can be taken again.
  WsClient c(server_->port());
  std::vector<std::string> ids;
  for (int attempt = 0; attempt < 100 && ids.size() < 24; ++attempt) {
    c.Send(R"({"type":"start","prompt":"Hi","max_tokens":4000,"ignore_eos":true})");
    std::vector<Frame> f = c.ReadUntil([](const json::object& m) {
      return Is(m, "session") || (Is(m, "error") && !m.contains("session"));
    });
    if (!f.empty() && Is(f.back().msg, "session")) {
      ids.push_back(std::string(f.back().msg.at("session").as_string()));
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  EXPECT_EQ(ids.size(), 24u);
  c.Send(R"({"type":"start","prompt":"Hi","max_tokens":5})");
  std::vector<Frame> f = c.ReadUntil([](const json::object& m) { return Is(m, "error"); });
  EXPECT_EQ(f.back().msg.at("code"), "too_many_sessions");
  c.Drop();
  // Before the next test: wait until the dropped sessions have ended.
  WsClient d(server_->port());
  bool freed = false;
  for (int attempt = 0; attempt < 200 && !freed; ++attempt) {
    d.Send(R"({"type":"start","prompt":"Hi","max_tokens":1})");
    std::vector<Frame> g = d.ReadUntil([](const json::object& m) {
      return Is(m, "done") || (Is(m, "error") && !m.contains("session"));
    });
    freed = !g.empty() && Is(g.back().msg, "done");
    if (!freed) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(freed);
}

TEST_F(DebuggerWsTest, SlowReaderKeepsServerMemoryBounded) {
  WsClient c(server_->port());
  // Each token message carries the full 32000 logits (~350 KB of JSON): 150 tokens unread
  // would be ~50 MB queued without backpressure.
  const std::string id = SessionId(c, R"({"type":"start","prompt":"Hello","max_tokens":150,
      "ignore_eos":true,"probes":{"full_logits":true}})");
  ASSERT_FALSE(id.empty());
  const long before = RssKb(server_->pid());
  std::this_thread::sleep_for(4s);  // not reading
  const long during = RssKb(server_->pid());
  std::vector<Frame> frames =
      c.ReadUntil([&](const json::object& m) { return Is(m, "done", id); }, 180000ms);
  EXPECT_EQ(Msgs(frames, "token", id).size(), 150u);
  std::printf("[debugger] slow reader: server RSS %ld KB before, %ld KB while stalled\n", before,
              during);
  // Bounded by the 1 MiB send queue plus what socket buffers and one step hold. Under
  // AddressSanitizer freed blocks stay in its quarantine, so RSS says nothing there (the
  // queue bound itself is checked in server/debugger_test.cc under every build).
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(during - before, 24 * 1024);
#endif
}

TEST_F(DebuggerWsTest, ResumeAfterReconnect) {
  std::string token, id;
  int64_t last_seq = 0;
  {
    WsClient c(server_->port());
    c.Send(R"({"type":"hello","version":1})");
    std::optional<Frame> hello = c.Read();
    ASSERT_TRUE(hello);
    token = std::string(hello->msg.at("resume").as_string());
    id = SessionId(c, R"({"type":"start","prompt":"Hello","max_tokens":60,"ignore_eos":true,
                          "sampling":{"temperature":0}})");
    std::vector<Frame> f = c.ReadUntil(
        [&](const json::object& m) { return Is(m, "token", id) && m.at("index") == 3; });
    last_seq = f.back().msg.at("seq").as_int64();
    c.Drop();
  }
  WsClient c(server_->port());
  c.Send(R"({"type":"hello","version":1,"resume":")" + token + R"(","last_seq":)" +
         std::to_string(last_seq) + "}");
  std::vector<Frame> frames = c.ReadUntil([&](const json::object& m) { return Is(m, "done", id); });
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0].msg.at("resumed"), true);
  const auto tokens = Msgs(frames, "token", id);
  ASSERT_EQ(tokens.size(), 56u);  // indexes 4..59, each once
  for (size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(tokens[i].at("index"), int64_t(i + 4));
}

TEST_F(DebuggerWsTest, CliDebugPrintsTheSameMessages) {
  const std::string request = R"({"type":"start","prompt":"Once upon a time","max_tokens":6,
      "sampling":{"temperature":0},"probes":{"top_k":4,"logit_lens":{"top_k":2},
      "attention":{"layers":[1],"prompt":true},"prompt_surprisal":true}})";
  WsClient c(server_->port());
  c.Send(request);
  std::vector<Frame> ws = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "debug", "-m", testing::FixtureModel(),
                           "--request", request, "--json", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json::object> cli;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) cli.push_back(json::parse(line).as_object());
  // Same message types in the same order (status messages are the server's own), same
  // tokens, probabilities and probe contents.
  std::vector<json::object> ws_msgs;
  for (const Frame& f : ws) {
    if (!f.binary && !Is(f.msg, "status")) ws_msgs.push_back(f.msg);
  }
  ASSERT_EQ(cli.size(), ws_msgs.size());
  for (size_t i = 0; i < cli.size(); ++i) {
    EXPECT_EQ(cli[i].at("type"), ws_msgs[i].at("type")) << i;
    for (const char* k : {"id", "prob", "rank", "top", "heads", "layers", "tokens", "kind"}) {
      if (ws_msgs[i].contains(k)) {
        EXPECT_EQ(cli[i].at(k), ws_msgs[i].at(k)) << i << " " << k;
      }
    }
  }
}

TEST_F(DebuggerWsTest, TwentyConcurrentSessions) {
  WsClient a(server_->port()), b(server_->port());
  for (int i = 0; i < 10; ++i) {
    const std::string start = R"({"type":"start","id":"q)" + std::to_string(i) +
                              R"(","prompt":"The same prompt","max_tokens":12,"ignore_eos":true,
                                 "sampling":{"temperature":0},"probes":{"top_k":3}})";
    a.Send(start);
    b.Send(start);
  }
  std::map<std::string, std::vector<int64_t>> by_session;
  for (WsClient* c : {&a, &b}) {
    int done = 0;
    std::vector<Frame> frames = c->ReadUntil(
        [&](const json::object& m) { return Is(m, "done") && ++done == 10; }, 180000ms);
    EXPECT_TRUE(Msgs(frames, "error").empty());
    for (const auto& t : Msgs(frames, "token")) {
      by_session[std::string(t.at("session").as_string())].push_back(t.at("id").as_int64());
    }
  }
  ASSERT_EQ(by_session.size(), 20u);
  // Greedy on the same prompt: every session, batched with the others, says the same.
  const std::vector<int64_t>& first = by_session.begin()->second;
  EXPECT_EQ(first.size(), 12u);
  for (const auto& [id, toks] : by_session) EXPECT_EQ(toks, first) << id;
}

}  // namespace
}  // namespace inferno

namespace inferno {
namespace {

using testing::HttpRequest;
using testing::HttpResponse;

// Debugger sessions are stored in the data dir's database: listed and exported under
// /api/sessions with every step's token and alternatives, imported back under a new id,
// and branched from after the server restarts.
TEST(DebuggerStoredSessions, OutliveTheServer) {
  const fs::path data =
      fs::temp_directory_path() / ("inferno_dbgstored_" + std::to_string(getpid()));
  fs::remove_all(data);
  const std::vector<std::string> args = {"-m", testing::FixtureModel(), "--data-dir",
                                         data.string()};
  std::string id;
  std::vector<json::object> tokens;
  {
    ServerProcess server(args);
    ASSERT_TRUE(server.ok()) << server.startup_output();
    WsClient c(server.port());
    c.Send(R"({"type":"start","prompt":"Once upon a time","max_tokens":6,
               "sampling":{"temperature":0},"probes":{"top_k":4}})");
    std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
    id = std::string(Msgs(frames, "session").at(0).at("session").as_string());
    tokens = Msgs(frames, "token", id);
    ASSERT_EQ(tokens.size(), 6u);

    HttpResponse list = HttpRequest(server.port(), "GET", "/api/sessions");
    ASSERT_EQ(list.status, 200) << list.body;
    const json::array sessions = json::parse(list.body).at("sessions").as_array();
    ASSERT_EQ(sessions.size(), 1u);
    EXPECT_EQ(sessions[0].at("id"), id.c_str());
    EXPECT_EQ(sessions[0].at("steps"), 6);
    EXPECT_EQ(sessions[0].at("finish_reason"), "length");

    HttpResponse exported = HttpRequest(server.port(), "GET", "/api/sessions/" + id);
    ASSERT_EQ(exported.status, 200) << exported.body;
    const json::object doc = json::parse(exported.body).as_object();
    EXPECT_EQ(doc.at("format"), "inferno.debug_session");
    const json::object& session = doc.at("session").as_object();
    const json::array& steps = session.at("steps").as_array();
    ASSERT_EQ(steps.size(), 6u);
    for (size_t i = 0; i < steps.size(); ++i) {
      EXPECT_EQ(session.at("tokens").as_array()[i], tokens[i].at("id"));
      EXPECT_EQ(steps[i].at("id"), tokens[i].at("id"));
      EXPECT_NEAR(steps[i].at("prob").to_number<double>(), tokens[i].at("prob").to_number<double>(),
                  1e-6);
      const json::array& top = steps[i].at("top").as_array();
      ASSERT_EQ(top.size(), 4u);
      for (size_t j = 0; j < top.size(); ++j) {
        EXPECT_EQ(top[j].at("id"), tokens[i].at("top").as_array()[j].at("id")) << i << " " << j;
      }
    }

    HttpResponse imported =
        HttpRequest(server.port(), "POST", "/api/sessions/import", exported.body);
    ASSERT_EQ(imported.status, 201) << imported.body;
    const std::string copy(json::parse(imported.body).at("id").as_string());
    EXPECT_NE(copy, id);
    EXPECT_EQ(copy.size(), 33u);
    EXPECT_EQ(copy[0], 'i');
    HttpResponse copy_doc = HttpRequest(server.port(), "GET", "/api/sessions/" + copy);
    ASSERT_EQ(copy_doc.status, 200);
    EXPECT_EQ(json::parse(copy_doc.body).at("session").at("tokens"), session.at("tokens"));
    // The owner (this client: no Origin) is stored; an imported copy has none.
    EXPECT_EQ(session.at("owner_origin"), "");
    EXPECT_FALSE(json::parse(copy_doc.body).at("session").as_object().contains("owner_origin"));
    // A broken document is refused whole; an unknown id is a 404.
    EXPECT_EQ(HttpRequest(server.port(), "POST", "/api/sessions/import",
                          R"({"format":"inferno.debug_session","version":1,"session":{"id":"x"}})")
                  .status,
              400);
    EXPECT_EQ(HttpRequest(server.port(), "GET", "/api/sessions/nope").status, 404);
    EXPECT_EQ(server.Stop(), 0);
  }
  {
    ServerProcess server(args);
    ASSERT_TRUE(server.ok()) << server.startup_output();
    WsClient c(server.port());
    const int64_t forced = tokens[2].at("top").as_array()[1].at("id").as_int64();
    c.Send(R"({"type":"branch","session":")" + id + R"(","step":2,"token":)" +
           std::to_string(forced) + "}");
    std::vector<Frame> frames = c.ReadUntil([](const json::object& m) { return Is(m, "done"); });
    const auto child = Msgs(frames, "session");
    ASSERT_EQ(child.size(), 1u) << "branch from a stored session after a restart";
    EXPECT_EQ(child[0].at("parent"), id.c_str());
    EXPECT_NE(child[0].at("session"), id.c_str());  // a new id, not the stored one reused
    const json::array prompt = Msgs(frames, "prompt").at(0).at("tokens").as_array();
    EXPECT_EQ(prompt.back().at("id").as_int64(), forced);
    EXPECT_EQ(prompt[prompt.size() - 2].at("id"), tokens[1].at("id"));
    HttpResponse list = HttpRequest(server.port(), "GET", "/api/sessions");
    EXPECT_EQ(json::parse(list.body).at("sessions").as_array().size(), 3u);
    EXPECT_EQ(server.Stop(), 0);
  }
  fs::remove_all(data);
}

// With --api-key every connection carries the key, and a client holding it may reach every
// session, whatever its origin.
TEST(DebuggerWithApiKey, AClientWithTheKeyReachesEverySession) {
  const fs::path data = fs::temp_directory_path() / ("inferno_dbgkey_" + std::to_string(getpid()));
  fs::remove_all(data);
  ServerProcess server({"-m", testing::FixtureModel(), "--data-dir", data.string(), "--api-key",
                        "s3cret", "--cors-origin", kOtherOrigin});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  const int port = server.port();
  {
    WsClient owner(port, OwnOrigin(port), "s3cret");
    owner.Send(R"({"type":"start","prompt":"Hello","max_tokens":3,"sampling":{"temperature":0}})");
    std::vector<Frame> f = owner.ReadUntil([](const json::object& m) { return Is(m, "done"); });
    const std::string id(Msgs(f, "session").at(0).at("session").as_string());
    WsClient other(port, kOtherOrigin, "s3cret");
    EXPECT_EQ(BranchAnswer(other, id), "session");
    WsClient cli(port, "", "s3cret");
    EXPECT_EQ(BranchAnswer(cli, id), "session");
  }
  EXPECT_EQ(server.Stop(), 0);
  fs::remove_all(data);
}

}  // namespace
}  // namespace inferno
