// One line per request with its timing, to <dir>/YYYY-MM-DD.log (a new file each UTC day)
// and, shorter, to stderr.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

namespace inferno::server {

class RequestLog {
 public:
  // An empty dir logs to stderr only.
  explicit RequestLog(std::string dir, bool to_stderr = true);
  ~RequestLog();
  void Log(const std::string& remote, const std::string& method, const std::string& target,
           int status, double ms, const std::string& note = "");

 private:
  std::string dir_;
  bool to_stderr_;
  std::mutex mu_;
  std::string day_;
  FILE* file_ = nullptr;
};

}  // namespace inferno::server
