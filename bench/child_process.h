// Runs a program as a child with its stdout read line by line, and reports how it ended with
// its own resource use (peak RSS, CPU time) from wait4(): the benchmark suite measures each
// model in its own process so one model's memory or crash never touches another's numbers.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::bench {

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string err;  // everything the child wrote to stderr
  double peak_rss_bytes = 0;
  double cpu_seconds = 0;  // user + system
};

// argv[0] is a path (no PATH lookup, no shell). on_line gets each stdout line without '\n'.
// The child starts with no blocked signals and default SIGPIPE whatever its parent set (the
// server blocks SIGINT/SIGTERM and ignores SIGPIPE). When `cancel` becomes true the child
// is killed (SIGKILL: a measuring worker has nothing to save) within ~100 ms; the result
// then reports the signal.
Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const std::function<void(const std::string&)>& on_line,
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace inferno::bench
