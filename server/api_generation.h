// Api::Generation, for the front ends of the Api that live in their own files
// (server/responses_routes.cc): one admitted generation and the loop that hands its events
// to the connection's thread.
#pragma once

#include <functional>
#include <memory>

#include "server/admission.h"
#include "server/api.h"
#include "server/event_queue.h"

namespace inferno::server {

// One admitted generation: its events reach the connection thread through `queue`, which
// also paces the scheduler (a client that stops reading pauses its generation once the queue
// holds EventQueue::max_bytes). Ending it before its last event (the client is gone, or never
// got the stream's header) cancels it.
struct Api::Generation {
  Scheduler* scheduler;
  std::shared_ptr<EventQueue> queue;
  Admission::Admitted admitted;
  int sequences = 1;  // kDone events to wait for (the request's n)
  bool ended = false;

  ~Generation() {
    if (!ended) Stop();
  }
  void Stop() {
    queue->Abandon();
    scheduler->Cancel(admitted.ticket());
    End();
  }
  // The client's place is free before its last bytes are written (Admitted::Release).
  void End() {
    ended = true;
    admitted.Release();
  }
  // Hands each event to on_event on this thread. on_event returning false (client gone)
  // cancels the generation.
  void Run(const std::function<bool(const Event&)>& on_event) {
    while (!ended) {
      const Event e = queue->Pop();
      const bool last =
          e.type == Event::Type::kError || (e.type == Event::Type::kDone && --sequences == 0);
      if (last) End();
      if (!on_event(e) && !last) Stop();
    }
  }
};

}  // namespace inferno::server
