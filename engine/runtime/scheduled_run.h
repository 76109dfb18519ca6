// One request through a Scheduler, waited for: for tools that run requests one after another
// on the server's path (slots, batching, the prompt cache) and look at every event, such as
// `inferno bench --turns` and tests.
#pragma once

#include <vector>

#include "engine/runtime/scheduler.h"

namespace inferno {

struct ScheduledRun {
  std::vector<Event> events;            // in order; the last is the last kDone, or a kError
  std::vector<int32_t> Tokens() const;  // the generated ids (kToken)
  const Event& Done() const { return events.back(); }
};

// Submits `request` and blocks until it ends: each of its n sequences done, or an error.
ScheduledRun RunToEnd(Scheduler& scheduler, GenerateRequest request);

}  // namespace inferno
