#include "tests/fake_hub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>

namespace inferno::testing {
namespace {

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += size_t(n);
  }
}

std::string Head(int status, const char* reason, const std::string& extra, size_t length) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extra +
         "Content-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n";
}

}  // namespace

FakeHub::FakeHub() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 16);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeHub::~FakeHub() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

void FakeHub::AddFile(const std::string& repo, const std::string& path, std::string content,
                      const std::string& listed_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  repos_[repo].push_back(File{path, std::move(content), listed_sha256});
}

void FakeHub::CutNextDownloads(int count, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  cuts_left_ = count;
  cut_bytes_ = bytes;
}

std::vector<FakeHub::Seen> FakeHub::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

void FakeHub::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Handle(fd);
    close(fd);
  }
}

void FakeHub::Handle(int fd) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.append(buf, size_t(n));
  }
  const size_t sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
  const std::string target = req.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string range;
  for (const char* name : {"\r\nRange: ", "\r\nrange: "}) {
    const size_t at = req.find(name);
    if (at != std::string::npos) {
      const size_t start = at + std::strlen(name);
      range = req.substr(start, req.find("\r\n", start) - start);
    }
  }
  const std::string path = target.substr(0, target.find('?'));
  Seen seen{target, range, 404};
  const std::string not_found = R"({"error":"Repository not found"})";
  std::string response = Head(404, "Not Found", "", not_found.size()) + not_found;
  std::unique_lock<std::mutex> lock(mu_);
  for (const auto& [repo, files] : repos_) {
    if (path == "/api/models/" + repo + "/tree/main") {
      boost::json::array list;
      for (const File& f : files) {
        boost::json::object o{{"type", "file"},
                              {"oid", "0123456789abcdef0123456789abcdef01234567"},
                              {"size", f.content.size()},
                              {"path", f.path}};
        if (!f.sha256.empty()) {
          o["lfs"] = boost::json::object{
              {"oid", f.sha256}, {"size", f.content.size()}, {"pointerSize", 134}};
        }
        list.push_back(std::move(o));
      }
      const std::string body = boost::json::serialize(list);
      response = Head(200, "OK", "Content-Type: application/json\r\n", body.size()) + body;
      seen.status = 200;
    }
    for (const File& f : files) {
      if (path == "/" + repo + "/resolve/main/" + f.path) {
        response = Head(302, "Found", "Location: /cdn/" + repo + "/" + f.path + "\r\n", 0);
        seen.status = 302;
      }
      if (path != "/cdn/" + repo + "/" + f.path) continue;
      size_t from = 0;
      if (!range.empty() && !ignore_range_) from = std::strtoull(range.c_str() + 6, nullptr, 10);
      const size_t size = f.content.size();
      if (from >= size && from > 0) {
        response = Head(416, "Range Not Satisfiable",
                        "Content-Range: bytes */" + std::to_string(size) + "\r\n", 0);
        seen.status = 416;
        break;
      }
      std::string head =
          from > 0 ? Head(206, "Partial Content",
                          "Content-Range: bytes " + std::to_string(from) + "-" +
                              std::to_string(size - 1) + "/" + std::to_string(size) + "\r\n",
                          size - from)
                   : Head(200, "OK", "", size);
      seen.status = from > 0 ? 206 : 200;
      size_t send_bytes = size - from;
      if (cuts_left_ > 0) {
        --cuts_left_;
        send_bytes = std::min(send_bytes, cut_bytes_);
      }
      response = head + f.content.substr(from, send_bytes);
    }
  }
  seen_.push_back(seen);
  lock.unlock();
  SendAll(fd, response);
}

}  // namespace inferno::testing
