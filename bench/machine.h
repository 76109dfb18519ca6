// Detecting what the benchmark runs on (results/machine_info.h), recorded with every result
// so numbers stay comparable.
#pragma once

#include <string>

#include "results/machine_info.h"
#include "results/suite_row.h"

namespace inferno::bench {

MachineInfo DetectMachine();

// Writes the machine's columns (host, CPU, flags, ISA, cores) into a result row.
void RecordMachine(const MachineInfo& m, SuiteRow* row);

// Picks the flags we care about (SIMD levels) out of a /proc/cpuinfo "flags" line.
std::string RelevantCpuFlags(const std::string& flags_line);

}  // namespace inferno::bench
