// A Hugging Face-like hub on loopback for `inferno pull` tests: the tree API with sizes and
// LFS SHA-256s, resolve/ URLs that redirect to a "CDN" path, and file bodies with HTTP Range
// support. It can cut transfers short and ignore Range to exercise resume paths.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace inferno::testing {

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Adds a file to a repo. `listed_sha256` is what the tree API reports ("" for none).
  void AddFile(const std::string& repo, const std::string& path, std::string content,
               const std::string& listed_sha256);
  // The next `count` file bodies stop after `bytes` bytes (the connection is closed).
  void CutNextDownloads(int count, size_t bytes);
  // Answer ranged requests with the whole file (200), as some servers do.
  void IgnoreRange(bool ignore) { ignore_range_ = ignore; }

  struct Seen {
    std::string target;
    std::string range;  // the Range header, "" if none
    int status = 0;
  };
  std::vector<Seen> requests();

 private:
  struct File {
    std::string path;
    std::string content;
    std::string sha256;
  };
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::vector<File>> repos_;
  std::vector<Seen> seen_;
  int cuts_left_ = 0;
  size_t cut_bytes_ = 0;
  std::atomic<bool> ignore_range_{false};
};

}  // namespace inferno::testing
