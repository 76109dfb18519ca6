// What a benchmark ran on, recorded with every result so numbers stay comparable: plain
// data shared by bench (bench/machine.h detects it) and the store (which keeps it per run).
#pragma once

#include <cstdint>
#include <string>

namespace inferno::bench {

struct MachineInfo {
  std::string hostname;
  std::string cpu_model;  // /proc/cpuinfo "model name"
  int cores = 0;          // online logical CPUs
  uint64_t memory_bytes = 0;
  std::string cpu_flags;  // the SIMD flags that matter to us, space-separated
  std::string isa;        // kernel level in use: scalar | avx2 | avx512
};

}  // namespace inferno::bench
