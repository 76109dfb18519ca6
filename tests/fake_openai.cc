#include "tests/fake_openai.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "tests/server_process.h"

namespace inferno::testing {
namespace {

int ListenLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// True once the peer has closed its side (or the socket failed).
bool PeerGone(int fd, int wait_ms) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, wait_ms) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char c;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

std::string Header(const std::string& req, const char* name) {
  const std::string key = std::string("\r\n") + name + ":";
  for (size_t at = 0; (at = req.find("\r\n", at)) != std::string::npos; at += 2) {
    if (strncasecmp(req.c_str() + at, key.c_str(), key.size()) != 0) continue;
    size_t start = at + key.size();
    while (start < req.size() && req[start] == ' ') ++start;
    return req.substr(start, req.find("\r\n", start) - start);
  }
  return "";
}

const char* kChunk =
    R"(data: {"id":"c1","object":"chat.completion.chunk","model":"fake","choices":[{"index":0,"delta":{"content":"tick"},"finish_reason":null}]})"
    "\n\n";
const char* kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

std::string WholeResponse(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

}  // namespace

int RefusingPort() {
  int port = 0;
  close(ListenLoopback(&port));
  return port;
}

FakeOpenAi::FakeOpenAi() {
  listen_fd_ = ListenLoopback(&port_);
  listen(listen_fd_, 16);
  thread_ = std::thread([this] { Serve(); });
}

FakeOpenAi::~FakeOpenAi() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string FakeOpenAi::last_body() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_body_;
}

std::string FakeOpenAi::last_authorization() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_auth_;
}

void FakeOpenAi::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    Handle(fd);
    close(fd);
  }
}

void FakeOpenAi::Handle(int fd) {
  std::string req;
  char buf[4096];
  size_t head_end;
  while ((head_end = req.find("\r\n\r\n")) == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.append(buf, size_t(n));
  }
  const size_t length = std::strtoull(Header(req, "content-length").c_str(), nullptr, 10);
  while (req.size() < head_end + 4 + length) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.append(buf, size_t(n));
  }
  const std::string target =
      req.substr(req.find(' ') + 1, req.find(' ', req.find(' ') + 1) - req.find(' ') - 1);
  if (target == "/v1/models") {
    SendAll(fd, WholeResponse(R"({"object":"list","data":[{"id":"fake","object":"model"}]})"));
    return;
  }
  const std::string body = req.substr(head_end + 4);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_body_ = body;
    last_auth_ = Header(req, "authorization");
  }
  if (body.find("\"stream\":true") != std::string::npos) {
    Stream(fd);
  } else {
    Whole(fd);
  }
}

void FakeOpenAi::Stream(int fd) {
  SendAll(fd, std::string(kStreamHead) + kChunk);
  switch (mode_.load()) {
    case Mode::kGood:
      SendAll(fd, std::string(kChunk) + kChunk + "data: [DONE]\n\n");
      return;
    case Mode::kDrop:
      return;
    case Mode::kGarbage:
      SendAll(fd, "data: {\"choices\": [tick\n\n");
      PeerGone(fd, 5000);
      return;
    case Mode::kStall:
      while (!stop_ && !PeerGone(fd, 50)) {
      }
      if (!stop_) ++abandoned_;
      return;
    case Mode::kTrickle:
      while (!stop_ && !PeerGone(fd, 20)) {
        if (!SendAll(fd, kChunk)) break;
      }
      if (!stop_) ++abandoned_;
      return;
  }
}

void FakeOpenAi::Whole(int fd) {
  const std::string good =
      R"({"id":"c1","object":"chat.completion","model":"fake","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"tick"},"finish_reason":"stop"}]})";
  switch (mode_.load()) {
    case Mode::kGood:
      SendAll(fd, WholeResponse(good));
      return;
    case Mode::kDrop:
      SendAll(fd, WholeResponse(good).substr(0, WholeResponse(good).size() - 20));
      return;
    case Mode::kGarbage:
      SendAll(fd, WholeResponse("<html>an error page</html>"));
      return;
    case Mode::kStall:
    case Mode::kTrickle:
      while (!stop_ && !PeerGone(fd, 50)) {
      }
      if (!stop_) ++abandoned_;
      return;
  }
}

}  // namespace inferno::testing
