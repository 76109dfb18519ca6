// One line per request with its timing, to <dir>/YYYY-MM-DD.log (a new file each UTC day,
// mode 0600 in a 0700 dir) and, shorter, to stderr. Query values named like secrets are
// replaced by REDACTED; headers and bodies are never logged.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "engine/util/thread_annotations.h"

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
           int status, double ms, const std::string& note = "") EXCLUDES(mu_);

 private:
  std::string dir_;
  bool to_stderr_;
  // Handler threads log at once: one line at a time, and one of them reopens at midnight.
  Mutex mu_;
  std::string day_ GUARDED_BY(mu_);
  FILE* file_ GUARDED_BY(mu_) = nullptr;
};

}  // namespace inferno::server
