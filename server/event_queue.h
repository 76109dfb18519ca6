// Hands a generation's events from the scheduler thread to the connection thread that
// writes them, so a slow client never holds up the other sequences in the batch.
//
// The queue is bounded together with the scheduler: Ready() is the request's `ready`
// callback (Scheduler::Submit), so once the reader is max_bytes behind, the scheduler pauses
// this generation (keeping its slot) instead of the queue growing. Memory per generation
// stays under max_bytes plus one step's events.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>

#include "engine/runtime/events.h"
#include "engine/util/thread_annotations.h"

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
      MutexLock lock(&mu_);
      bytes_ += bytes;
      events_.push_back(e);
    }
    cv_.Signal();
    return !abandoned_;
  }
  // The scheduler's `ready` (scheduler thread): false while the reader is more than
  // max_bytes behind. An abandoned queue is always ready, so the generation steps on to its
  // sink, which cancels it.
  bool Ready() const {
    if (abandoned_) return true;
    MutexLock lock(&mu_);
    return bytes_ <= max_bytes_;
  }
  // The reader (connection thread): blocks for the next event.
  Event Pop() {
    MutexLock lock(&mu_);
    while (events_.empty()) cv_.Wait(&mu_);
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
    MutexLock lock(&mu_);
    return bytes_;
  }
  size_t max_bytes() const { return max_bytes_; }

 private:
  const size_t max_bytes_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<Event> events_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;  // EventBytes of events_
  std::atomic<bool> abandoned_{false};
};

}  // namespace inferno::server
