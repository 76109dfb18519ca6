#include "engine/runtime/scheduled_run.h"

#include <algorithm>
#include <memory>

#include "engine/util/thread_annotations.h"

namespace inferno {
namespace {

// Shared with the sink, which the scheduler may keep a little after the end is signalled.
struct RunState {
  Mutex mu;
  CondVar cv;
  ScheduledRun run GUARDED_BY(mu);
  int running GUARDED_BY(mu) = 0;  // sequences not yet done
};

}  // namespace

std::vector<int32_t> ScheduledRun::Tokens() const {
  std::vector<int32_t> ids;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken) ids.push_back(e.id);
  }
  return ids;
}

ScheduledRun RunToEnd(Scheduler& scheduler, GenerateRequest request) {
  auto state = std::make_shared<RunState>();
  {
    MutexLock lock(&state->mu);
    state->running = std::max(1, request.n);
  }
  scheduler.Submit(std::move(request), [state](const Event& e) {
    {
      MutexLock lock(&state->mu);
      state->run.events.push_back(e);
      // Each sequence ends with its kDone; an error ends the request.
      if (e.type == Event::Type::kDone) --state->running;
      if (e.type == Event::Type::kError) state->running = 0;
      if (state->running > 0) return true;
    }
    state->cv.SignalAll();
    return true;
  });
  MutexLock lock(&state->mu);
  while (state->running > 0) state->cv.Wait(&state->mu);
  return std::move(state->run);
}

}  // namespace inferno
