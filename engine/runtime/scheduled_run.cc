#include "engine/runtime/scheduled_run.h"

#include <memory>

#include "engine/util/thread_annotations.h"

namespace inferno {
namespace {

// Shared with the sink, which the scheduler may keep a little after the end is signalled.
struct RunState {
  Mutex mu;
  CondVar cv;
  ScheduledRun run GUARDED_BY(mu);
  bool ended GUARDED_BY(mu) = false;
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
  scheduler.Submit(std::move(request), [state](const Event& e) {
    {
      MutexLock lock(&state->mu);
      state->run.events.push_back(e);
      if (e.type != Event::Type::kDone && e.type != Event::Type::kError) return true;
      state->ended = true;
    }
    state->cv.SignalAll();
    return true;
  });
  MutexLock lock(&state->mu);
  while (!state->ended) state->cv.Wait(&state->mu);
  return std::move(state->run);
}

}  // namespace inferno
