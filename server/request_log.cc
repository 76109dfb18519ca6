#include "server/request_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

namespace inferno::server {
namespace {

// Query parameter names whose values are secrets (api_key, token, ticket, password, ...).
bool SecretName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"key", "token", "ticket", "secret", "passw", "auth", "sig"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// Opens the day's log for appending, readable by the owner only: requests name models,
// conversations and, from careless clients, secrets.
FILE* OpenPrivate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  ::fchmod(fd, 0600);  // a file made by an older version may be 0644
  FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) ::close(fd);
  return f;
}

}  // namespace

std::string RedactTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view rest = target.substr(q + 1);
  bool first = true;
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    const size_t eq = part.find('=');
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && SecretName(part.substr(0, eq))) {
      out += part.substr(0, eq + 1);
      out += "REDACTED";
    } else {
      out += part;
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

RequestLog::RequestLog(std::string dir, bool to_stderr)
    : dir_(std::move(dir)), to_stderr_(to_stderr) {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    ::chmod(dir_.c_str(), 0700);
  }
}

RequestLog::~RequestLog() {
  if (file_) std::fclose(file_);
}

void RequestLog::Log(const std::string& remote, const std::string& method,
                     const std::string& target, int status, double ms, const std::string& note) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char day[16], stamp[32];
  std::strftime(day, sizeof(day), "%Y-%m-%d", &tm);
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  // Targets are client-controlled: no secrets, one line, bounded.
  std::string safe_target = RedactTarget(target).substr(0, 300);
  for (char& c : safe_target) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  MutexLock lock(&mu_);
  if (!dir_.empty()) {
    if (day_ != day || file_ == nullptr) {
      if (file_) std::fclose(file_);
      day_ = day;
      file_ = OpenPrivate(dir_ + "/" + day_ + ".log");
    }
    if (file_) {
      std::fprintf(file_, "%s %s %s %s %d %.1fms%s%s\n", stamp, remote.c_str(), method.c_str(),
                   safe_target.c_str(), status, ms, note.empty() ? "" : " ", note.c_str());
      std::fflush(file_);
    }
  }
  if (to_stderr_) {
    std::fprintf(stderr, "%s %s %d %.0fms%s%s\n", method.c_str(), safe_target.c_str(), status, ms,
                 note.empty() ? "" : " ", note.c_str());
  }
}

}  // namespace inferno::server
