// Detecting what the benchmark runs on (results/machine_info.h), recorded with every result
// so numbers stay comparable.
#pragma once

#include <string>

#include "results/machine_info.h"

namespace inferno::bench {

MachineInfo DetectMachine();

// Picks the flags we care about (SIMD levels) out of a /proc/cpuinfo "flags" line.
std::string RelevantCpuFlags(const std::string& flags_line);

}  // namespace inferno::bench
