#include "server/request_log.h"

#include <ctime>
#include <filesystem>

namespace inferno::server {

RequestLog::RequestLog(std::string dir, bool to_stderr)
    : dir_(std::move(dir)), to_stderr_(to_stderr) {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
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
  // Targets are client-controlled: keep them on one line and bounded.
  std::string safe_target = target.substr(0, 300);
  for (char& c : safe_target) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!dir_.empty()) {
    if (day_ != day || file_ == nullptr) {
      if (file_) std::fclose(file_);
      day_ = day;
      file_ = std::fopen((dir_ + "/" + day_ + ".log").c_str(), "a");
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
