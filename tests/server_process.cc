#include "tests/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "tests/subprocess.h"

extern char** environ;

namespace inferno::testing {
namespace {

std::string BuildRequest(const std::string& method, const std::string& target,
                         const std::string& body, const std::map<std::string, std::string>& headers,
                         bool close_connection) {
  std::string req = method + " " + target + " HTTP/1.1\r\n";
  bool has_type = false, has_host = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_type |= strcasecmp(k.c_str(), "content-type") == 0;
    has_host |= strcasecmp(k.c_str(), "host") == 0;
  }
  if (!has_host) req += "Host: 127.0.0.1\r\n";
  if (!body.empty() && !has_type) req += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (close_connection) req += "Connection: close\r\n";
  return req + "\r\n" + body;
}

std::string Dechunk(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const size_t size = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (size == 0) break;
    out += raw.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

HttpResponse ParseResponse(const std::string& raw) {
  HttpResponse res;
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 9, "HTTP/1.1 ") != 0) return res;
  res.status = std::atoi(raw.substr(9, 3).c_str());
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const size_t eol = raw.find("\r\n", line);
    const std::string h = raw.substr(line, eol - line);
    const size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      std::string value = h.substr(colon + 1);
      while (!value.empty() && value[0] == ' ') value.erase(0, 1);
      res.headers[name] = value;
    }
    line = eol + 2;
  }
  const std::string payload = raw.substr(head_end + 4);
  res.body = res.headers["transfer-encoding"] == "chunked" ? Dechunk(payload) : payload;
  return res;
}

}  // namespace

int ConnectLoopback(int port, int receive_buffer) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // Set before connect: the window is agreed in the handshake.
  if (receive_buffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  timeval tv{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args)
    : ServerProcess(args, InfernoBinary(), "") {}

ServerProcess::ServerProcess(const std::vector<std::string>& args, const std::string& binary,
                             const std::string& cwd) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return;
  std::vector<std::string> argv = {binary, "serve", "--port", "0", "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (const std::string& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  const int rc = posix_spawn(&pid_, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    pid_ = -1;
    return;
  }
  stdout_fd_ = out_pipe[0];
  // Read until the "serving on http://host:port/" line (or the child gives up).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    output_.append(buf, size_t(n));
    const size_t at = output_.find("serving on http://");
    if (at != std::string::npos) {
      const size_t colon = output_.find(':', at + 18);
      const size_t slash = output_.find('/', colon);
      if (colon != std::string::npos && slash != std::string::npos) {
        port_ = std::atoi(output_.substr(colon + 1, slash - colon - 1).c_str());
        break;
      }
    }
  }
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

ServerProcess::~ServerProcess() { Stop(); }

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

HttpResponse HttpRequest(int port, const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::map<std::string, std::string>& headers) {
  HttpResponse res;
  const int fd = ConnectLoopback(port);
  if (fd < 0) return res;
  if (!SendAll(fd, BuildRequest(method, target, body, headers, true))) {
    close(fd);
    return res;
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, size_t(n));
  }
  close(fd);
  return ParseResponse(raw);
}

StreamingRequest::StreamingRequest(int port, const std::string& method, const std::string& target,
                                   const std::string& body,
                                   const std::map<std::string, std::string>& headers)
    : fd_(ConnectLoopback(port)) {
  if (fd_ >= 0 && !SendAll(fd_, BuildRequest(method, target, body, headers, true))) {
    close(fd_);
    fd_ = -1;
  }
}

StreamingRequest::~StreamingRequest() {
  if (fd_ >= 0) close(fd_);
}

bool StreamingRequest::Receive(bool wait) {
  if (fd_ < 0) return false;
  char buf[65536];
  const ssize_t n = recv(fd_, buf, sizeof(buf), wait ? 0 : MSG_DONTWAIT);
  if (n > 0) {
    raw_.append(buf, size_t(n));
    return true;
  }
  if (n < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
  close(fd_);  // the end of the response, or an error
  fd_ = -1;
  return false;
}

bool StreamingRequest::ReadUntil(const std::string& needle) {
  while (raw_.find(needle) == std::string::npos) {
    if (!Receive(true)) return raw_.find(needle) != std::string::npos;
  }
  return true;
}

const std::string& StreamingRequest::ReadAvailable() {
  while (Receive(false)) {
  }
  return raw_;
}

HttpResponse StreamingRequest::Finish() {
  while (Receive(true)) {
  }
  return ParseResponse(raw_);
}

std::vector<std::string> SseData(const std::string& body, std::vector<std::string>* events) {
  std::vector<std::string> out;
  std::string event;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    const std::string line = body.substr(pos, eol - pos);
    if (line.rfind("event: ", 0) == 0) event = line.substr(7);
    if (line.rfind("data: ", 0) == 0) {
      out.push_back(line.substr(6));
      if (events) events->push_back(event);
      event.clear();
    }
    pos = eol + 1;
  }
  return out;
}

int OpenStreamAndRead(int port, const std::string& target, const std::string& body,
                      size_t min_bytes) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return -1;
  if (!SendAll(fd, BuildRequest("POST", target, body, {}, false))) {
    close(fd);
    return -1;
  }
  size_t got = 0;
  char buf[4096];
  while (got < min_bytes) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    got += size_t(n);
  }
  return fd;
}

double JsonCosine(const boost::json::array& a, const boost::json::array& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i].to_number<double>(), y = b[i].to_number<double>();
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / std::sqrt(na * nb);
}

boost::json::object ParseJsonObject(const std::string& body) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

std::string ErrorField(const HttpResponse& r, const char* field) {
  boost::json::object o = ParseJsonObject(r.body);
  const boost::json::value* error = o.if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  const boost::json::value* v = error->as_object().if_contains(field);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace inferno::testing
