#include "server/debugger_store_writer.h"

#include <algorithm>

namespace inferno::server::debugger {

WriteBehindStore::WriteBehindStore(std::shared_ptr<SessionStore> inner, size_t max_pending)
    : inner_(std::move(inner)), max_pending_(std::max<size_t>(1, max_pending)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

WriteBehindStore::~WriteBehindStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void WriteBehindStore::Save(const SessionRecord& record) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = pending_.find(record.id);
  if (it != pending_.end()) {
    it->second = record;
    return;
  }
  cv_.wait(lock, [&] { return pending_.size() < max_pending_; });
  pending_.emplace(record.id, record);
  order_.push_back(record.id);
  lock.unlock();
  cv_.notify_all();
}

std::optional<SessionRecord> WriteBehindStore::Find(const std::string& id) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it != pending_.end()) return it->second;
    if (writing_ && writing_->id == id) return writing_;
  }
  // Not queued: written already (writing_ is cleared only once the inner store has it).
  return inner_->Find(id);
}

void WriteBehindStore::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return pending_.empty() && !writing_; });
}

// The writer thread: the only caller of inner_->Save().
void WriteBehindStore::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !order_.empty(); });
    if (order_.empty()) return;  // stopping, and everything is written
    auto node = pending_.extract(order_.front());
    order_.pop_front();
    writing_ = std::move(node.mapped());
    lock.unlock();
    cv_.notify_all();  // a place is free for Save()
    inner_->Save(*writing_);
    lock.lock();
    writing_.reset();
    cv_.notify_all();  // for Flush()
  }
}

}  // namespace inferno::server::debugger
