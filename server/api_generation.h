// The server's generation plumbing shared by the front ends that live outside api.cc (the
// Responses, Anthropic and Ollama routes): Api::Generation, one admitted generation's event
// pump, and the preparation of a request before it is queued. Internal to the server: include
// only from its .cc files.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "server/admission.h"
#include "server/api.h"
#include "server/event_queue.h"
#include "server/openai.h"

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

// Prepares the request before queueing, so the client gets a 400 rather than a stream that
// fails. Without max_tokens the generation may fill the context, as OpenAI's API does.
std::optional<ApiError> PreparePrompt(LoadedModel& lm, GenerateRequest& req, bool max_given);

// The HTTP status of an error that ends a generation, for every front end: the request's
// fault (400), a remote model's server that failed mid-answer (502), or this server's (500).
int EngineErrorStatus(const Status& error);

}  // namespace inferno::server
