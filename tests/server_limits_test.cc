// `inferno serve`'s limits against the real binary over loopback: 429 with Retry-After when
// the queue (--max-queue) or a client's share (--max-client-requests) is full, 431 for
// oversized headers, 413 for oversized bodies, and close-delimited streams for HTTP/1.0.
//
// To keep every sequence slot busy for as long as a test needs, without timing, a WebSocket
// debugger session with full logits (~350 KB per token) is started and not read: the
// debugger's backpressure pauses it in its slot until its connection closes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ServerProcess;
using testing::StreamingRequest;

bool SendAll(int fd, const std::string& data) {
  for (size_t sent = 0; sent < data.size();) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

// Reads until `needle` is among the bytes read (true) or the connection ends (false).
bool ReadUntil(int fd, std::string& raw, const std::string& needle) {
  char buf[65536];
  while (raw.find(needle) == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    raw.append(buf, size_t(n));
  }
  return true;
}

// Sends raw bytes on a new connection and returns everything read until the server closes.
std::string RawExchange(int port, const std::string& request) {
  const int fd = testing::ConnectLoopback(port);
  if (fd < 0 || !SendAll(fd, request)) return "";
  std::string raw;
  ReadUntil(fd, raw, std::string(1, '\0'));  // never found: reads to the end
  close(fd);
  return raw;
}

// A debugger session that holds a sequence slot until Release() (see the file comment).
class SlotHolder {
 public:
  explicit SlotHolder(int port) : fd_(testing::ConnectLoopback(port, 16384)) {
    EXPECT_GE(fd_, 0);
    const std::string upgrade = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";
    std::string raw;
    EXPECT_TRUE(SendAll(fd_, upgrade) && ReadUntil(fd_, raw, "\r\n\r\n"));
    EXPECT_EQ(raw.rfind("HTTP/1.1 101", 0), 0u) << raw;
    EXPECT_TRUE(SendAll(fd_, MaskedTextFrame(R"({"type":"start","prompt":"Hello",)"
                                             R"("max_tokens":200,"ignore_eos":true,)"
                                             R"("probes":{"full_logits":true}})")));
    // Its first token: the session is in its slot. From here on nothing is read.
    EXPECT_TRUE(ReadUntil(fd_, raw, R"("type":"token")")) << raw;
  }
  ~SlotHolder() { Release(); }
  // Closes the connection before `hello`: the debugger cancels the session at once.
  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  // RFC 6455 §5.2: a client's frames are masked.
  static std::string MaskedTextFrame(const std::string& text) {
    std::string frame = "\x81";  // FIN, text
    if (text.size() < 126) {     // lengths take their shortest form
      frame += char(0x80 | text.size());
    } else {
      frame += char(0x80 | 126);
      frame += char(text.size() >> 8);
      frame += char(text.size() & 0xff);
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (size_t i = 0; i < text.size(); ++i) frame += char(text[i] ^ mask[i % 4]);
    return frame;
  }
  int fd_ = -1;
};

const std::string kChat =
    R"({"messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8,)"
    R"("temperature":0)";

// The assistant text of a streamed chat completion; fails unless it ends with [DONE].
std::string StreamedContent(const std::string& body) {
  std::vector<std::string> data = testing::SseData(body);
  EXPECT_FALSE(data.empty());
  if (data.empty()) return "";
  EXPECT_EQ(data.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    json::object chunk = testing::ParseJsonObject(data[i]);
    if (chunk["choices"].as_array().empty()) continue;
    json::object delta = chunk["choices"].as_array()[0].as_object()["delta"].as_object();
    if (delta.contains("content")) text += std::string(delta["content"].as_string());
  }
  return text;
}

std::string ReferenceContent(int port) {
  HttpResponse r = HttpRequest(port, "POST", "/v1/chat/completions", kChat + "}");
  EXPECT_EQ(r.status, 200) << r.body;
  return std::string(testing::ParseJsonObject(r.body)["choices"]
                         .as_array()[0]
                         .as_object()["message"]
                         .as_object()["content"]
                         .as_string());
}

// A streaming chat request that was admitted: its first chunk has arrived.
std::unique_ptr<StreamingRequest> StartAdmitted(
    int port, const std::map<std::string, std::string>& headers = {}) {
  auto s = std::make_unique<StreamingRequest>(port, "POST", "/v1/chat/completions",
                                              kChat + R"(,"stream":true})", headers);
  EXPECT_TRUE(s->ReadUntil("data: ")) << s->ReadAvailable();
  return s;
}

void ExpectTooMany(const HttpResponse& r, const std::string& flag) {
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers.count("retry-after") ? r.headers.at("retry-after") : "", "1");
  EXPECT_EQ(ErrorField(r, "type"), "rate_limit_error");
  EXPECT_NE(ErrorField(r, "message").find(flag), std::string::npos) << r.body;
}

std::string Metric(int port, const std::string& series) {
  const std::string text = HttpRequest(port, "GET", "/metrics").body;
  const size_t at = text.find("\n" + series + " ");  // not the "# HELP" line
  if (at == std::string::npos) return "";
  const size_t start = at + series.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

class LimitsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    data_ = testing::FreshTempDir("limits",
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::vector<std::string> args = {"-m",         testing::FixtureModel(),
                                     "--data-dir", data_.string(),
                                     "--ctx-size", "256",
                                     "--threads",  "2"};
    args.insert(args.end(), flags.begin(), flags.end());
    server_ = std::make_unique<ServerProcess>(args);
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(data_);
  }
  int port() const { return server_->port(); }

  std::unique_ptr<ServerProcess> server_;
  fs::path data_;
};

TEST_F(LimitsTest, FullQueueGets429WithRetryAfterAndAdmittedRequestsFinish) {
  Start({"--parallel", "1", "--max-queue", "1"});
  const std::string reference = ReferenceContent(port());
  SlotHolder holder(port());
  // The only slot is taken: this request waits, in the queue's only place.
  std::unique_ptr<StreamingRequest> admitted = StartAdmitted(port());
  ExpectTooMany(HttpRequest(port(), "POST", "/v1/chat/completions", kChat + R"(,"stream":true})"),
                "--max-queue");
  ExpectTooMany(
      HttpRequest(port(), "POST", "/v1/completions", R"({"prompt":"Hello","max_tokens":4})"),
      "--max-queue");
  ExpectTooMany(HttpRequest(port(), "POST", "/chat", R"({"prompt":"Hello","max_tokens":4})"),
                "--max-queue");
  EXPECT_EQ(Metric(port(), R"(inferno_rejected_requests_total{reason="queue_full"})"), "3");
  EXPECT_EQ(Metric(port(), "inferno_queue_depth"), "1");

  holder.Release();
  HttpResponse done = admitted->Finish();
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(StreamedContent(done.body), reference);
  // The place is free again.
  EXPECT_EQ(ReferenceContent(port()), reference);
  HttpResponse chat = HttpRequest(port(), "POST", "/chat", R"({"prompt":"Hello","max_tokens":4})");
  EXPECT_EQ(chat.status, 200);
  EXPECT_NE(chat.body.find("event: done"), std::string::npos);
}

TEST_F(LimitsTest, EachClientHasItsOwnShare) {
  Start({"--parallel", "1", "--max-queue", "16", "--max-client-requests", "1"});
  const std::string reference = ReferenceContent(port());
  SlotHolder holder(port());
  // Three clients on one address: no Origin and no key, a same-origin page, another key.
  const std::map<std::string, std::string> page = {
      {"Origin", "http://127.0.0.1:" + std::to_string(port())}};
  const std::map<std::string, std::string> key = {{"Authorization", "Bearer other-key"}};
  std::unique_ptr<StreamingRequest> a = StartAdmitted(port());
  ExpectTooMany(HttpRequest(port(), "POST", "/v1/chat/completions", kChat + "}"),
                "--max-client-requests");
  std::unique_ptr<StreamingRequest> b = StartAdmitted(port(), page);
  ExpectTooMany(HttpRequest(port(), "POST", "/v1/chat/completions", kChat + "}", page),
                "--max-client-requests");
  std::unique_ptr<StreamingRequest> c = StartAdmitted(port(), key);
  ExpectTooMany(HttpRequest(port(), "POST", "/chat", R"({"prompt":"Hi"})", key),
                "--max-client-requests");
  EXPECT_EQ(Metric(port(), R"(inferno_rejected_requests_total{reason="client_limit"})"), "3");
  EXPECT_EQ(Metric(port(), R"(inferno_rejected_requests_total{reason="queue_full"})"), "0");

  holder.Release();
  for (StreamingRequest* s : {a.get(), b.get(), c.get()}) {
    HttpResponse r = s->Finish();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(StreamedContent(r.body), reference);
  }
  // Their requests ended, so each client may send again.
  EXPECT_EQ(ReferenceContent(port()), reference);
  EXPECT_EQ(HttpRequest(port(), "POST", "/v1/chat/completions", kChat + "}", key).status, 200);
}

// Embeddings count against the client's share as generations do: refused while the client's
// only place is taken, answered once it is free.
TEST_F(LimitsTest, EmbeddingsCountAgainstTheClientsShare) {
  Start({"--parallel", "1", "--max-queue", "16", "--max-client-requests", "1"});
  const std::string embed = R"({"input":"Once upon a time"})";
  const std::string reference = ReferenceContent(port());
  SlotHolder holder(port());
  std::unique_ptr<StreamingRequest> a = StartAdmitted(port());
  ExpectTooMany(HttpRequest(port(), "POST", "/v1/embeddings", embed), "--max-client-requests");
  ExpectTooMany(HttpRequest(port(), "POST", "/api/embed", embed), "--max-client-requests");
  EXPECT_EQ(Metric(port(), R"(inferno_rejected_requests_total{reason="client_limit"})"), "2");
  holder.Release();
  EXPECT_EQ(StreamedContent(a->Finish().body), reference);
  HttpResponse r = HttpRequest(port(), "POST", "/v1/embeddings", embed);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(
      testing::ParseJsonObject(r.body).at("data").at(0).at("embedding").as_array().empty());
  // Its place was given back: a generation of the same client is admitted.
  EXPECT_EQ(ReferenceContent(port()), reference);
}

TEST_F(LimitsTest, Http10StreamIsCloseDelimitedNotChunked) {
  Start({});
  const std::string body = kChat + R"(,"stream":true})";
  // Over HTTP/1.1 the same stream is chunked.
  HttpResponse chunked = HttpRequest(port(), "POST", "/v1/chat/completions", body);
  ASSERT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.headers["transfer-encoding"], "chunked");

  // Reading to the end of the connection is itself the check that the server closes it.
  const std::string raw =
      RawExchange(port(),
                  "POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: keep-alive\r\n\r\n" + body);
  ASSERT_EQ(raw.rfind("HTTP/1.0 200", 0), 0u) << raw;
  const size_t head_end = raw.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  std::string head = raw.substr(0, head_end);
  for (char& ch : head) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(head.find("transfer-encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("content-length"), std::string::npos) << head;
  EXPECT_NE(head.find("connection: close"), std::string::npos) << head;
  const std::string sse = raw.substr(head_end + 4);
  EXPECT_EQ(sse.rfind("data: {", 0), 0u) << sse.substr(0, 40);  // no chunk-size line
  EXPECT_TRUE(sse.ends_with("data: [DONE]\n\n")) << sse;
  EXPECT_EQ(StreamedContent(sse), StreamedContent(chunked.body));

  // A whole (non-streamed) answer to HTTP/1.0 keeps its Content-Length.
  const std::string plain = RawExchange(port(), "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(plain.rfind("HTTP/1.0 200", 0), 0u) << plain;
  EXPECT_NE(plain.find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(LimitsTest, OversizedHeadersGet431AndBodies413) {
  Start({"--body-limit", "4096"});
  HttpResponse r =
      HttpRequest(port(), "GET", "/health", "", {{"X-Padding", std::string(70 * 1024, 'h')}});
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_NE(ErrorField(r, "message").find("header fields larger than the limit of 65536 bytes"),
            std::string::npos)
      << r.body;
  // Just under the limit is fine, and the server keeps serving.
  EXPECT_EQ(HttpRequest(port(), "GET", "/health", "", {{"X-Padding", std::string(60 * 1024, 'h')}})
                .status,
            200);

  r = HttpRequest(port(), "POST", "/v1/completions",
                  R"({"prompt":")" + std::string(5000, 'a') + R"("})");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(ErrorField(r, "message").find("limit of 4096 bytes (the server's --body-limit)"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
}

TEST_F(LimitsTest, RoutesThatTakeImagesReadUpToTheImageLimitOnly) {
  Start({"--body-limit", "4096", "--image-body-limit", "16384"});
  const std::string mid = R"({"model":"none","messages":[{"role":"user","content":")" +
                          std::string(8000, 'a') + R"("}]})";
  // Over --body-limit but under the image limit: read, and answered by the route itself.
  HttpResponse r = HttpRequest(port(), "POST", "/v1/chat/completions", mid);
  EXPECT_NE(r.status, 413) << r.body;
  EXPECT_EQ(r.status, 404) << r.body;  // no model "none"
  // The same size elsewhere keeps the general limit.
  r = HttpRequest(port(), "POST", "/v1/completions", mid);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(ErrorField(r, "message").find("(the server's --body-limit)"), std::string::npos);
  r = HttpRequest(port(), "POST", "/api/conversations", mid);
  EXPECT_EQ(r.status, 413) << r.body;
  const std::string big = R"({"prompt":")" + std::string(20000, 'a') + R"("})";
  r = HttpRequest(port(), "POST", "/chat", big);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(ErrorField(r, "message").find("limit of 16384 bytes (the server's --image-body-limit)"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace inferno
