// Hands a generation's events from the scheduler thread to the connection thread that
// writes them, so a slow client never holds up the other sequences in the batch.
//
// The queue is bounded together with the scheduler: Ready() is the request's `ready`
// callback (Scheduler::Submit), so once the reader is max_bytes behind, the scheduler pauses
// this generation (keeping its slot) instead of the queue growing. Memory per generation
// stays under max_bytes plus one step's events.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "engine/runtime/events.h"

namespace inferno::server {

// About how much memory an event holds: what backpressure counts. Not exact (no allocator
// overhead), but it grows with every part of an event that can be large.
size_t EventBytes(const Event& e);

class EventQueue {
 public:
  static constexpr size_t kDefaultMaxBytes = 1 << 20;

  explicit EventQueue(size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  // The scheduler's sink (scheduler thread): queues the event and returns at once; returns
  // false once the reader gave up.
  bool Push(const Event& e) {
    const size_t bytes = EventBytes(e);
    {
      std::lock_guard<std::mutex> lock(mu_);
      bytes_ += bytes;
      events_.push_back(e);
    }
    cv_.notify_one();
    return !abandoned_;
  }
  // The scheduler's `ready` (scheduler thread): false while the reader is more than
  // max_bytes behind. An abandoned queue is always ready, so the generation steps on to its
  // sink, which cancels it.
  bool Ready() const {
    if (abandoned_) return true;
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_ <= max_bytes_;
  }
  // The reader (connection thread): blocks for the next event.
  Event Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !events_.empty(); });
    Event e = std::move(events_.front());
    events_.pop_front();
    bytes_ -= EventBytes(e);
    return e;
  }
  // The client is gone: the generation stops at its next step.
  void Abandon() { abandoned_ = true; }
  bool abandoned() const { return abandoned_; }
  // Bytes of events queued and not yet popped (EventBytes).
  size_t queued_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }
  size_t max_bytes() const { return max_bytes_; }

 private:
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;  // guarded by mu_
  size_t bytes_ = 0;          // guarded by mu_: EventBytes of events_
  std::atomic<bool> abandoned_{false};
};

}  // namespace inferno::server
