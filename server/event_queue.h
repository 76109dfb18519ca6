// Hands a generation's events from the scheduler thread to the connection thread that
// writes them, so a slow client never holds up the other sequences in the batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "engine/runtime/events.h"

namespace inferno::server {

class EventQueue {
 public:
  // The scheduler's sink: queues the event; returns false once the reader gave up.
  bool Push(const Event& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    }
    cv_.notify_one();
    return !abandoned_;
  }
  // Blocks for the next event.
  Event Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !events_.empty(); });
    Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  // The client is gone: the generation stops at its next step.
  void Abandon() { abandoned_ = true; }
  bool abandoned() const { return abandoned_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::atomic<bool> abandoned_{false};
};

}  // namespace inferno::server
