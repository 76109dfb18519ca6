// Runs a program as a child with its stdout read line by line, and reports how it ended with
// its own resource use (peak RSS, CPU time) from wait4(): the benchmark suite measures each
// model in its own process so one model's memory or crash never touches another's numbers.
#pragma once

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
Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const std::function<void(const std::string&)>& on_line);

}  // namespace inferno::bench
