// One line per request with its timing, to <dir>/YYYY-MM-DD.log (a new file each UTC day,
// mode 0600 in a 0700 dir) and, shorter, to stderr. Query values named like secrets are
// replaced by REDACTED; headers and bodies are never logged.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace inferno::server {

// `target` with the values of secret-looking query parameters (key, token, ticket, secret,
// password, auth, sig in the name) replaced by REDACTED.
std::string RedactTarget(std::string_view target);

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
