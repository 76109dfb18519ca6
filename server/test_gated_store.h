// Test double for the debugger's tests: a SessionStore whose Save() waits until Open(), as a
// disk that has stopped answering would.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/debugger_store.h"

namespace inferno::server::debugger {

class GatedStore : public SessionStore {
 public:
  void Save(const SessionRecord& r) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    records_[r.id] = r;
    ++written_;
  }
  std::optional<SessionRecord> Find(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits (60 s at most, a failure guard) until n saves have started.
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return entered_ >= n; });
  }
  int written() const {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0, written_ = 0;
  std::map<std::string, SessionRecord> records_;
};

}  // namespace inferno::server::debugger
