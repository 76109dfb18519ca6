#include "bench/machine.h"

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "engine/ops/cpu_features.h"

namespace inferno::bench {

std::string RelevantCpuFlags(const std::string& flags_line) {
  static const char* const kWanted[] = {"sse4_2",      "avx",         "avx2",     "fma",
                                        "f16c",        "avx512f",     "avx512bw", "avx512vl",
                                        "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_int8",
                                        "asimd",       "asimddp",     "i8mm",     "sve"};
  std::set<std::string> have;
  std::istringstream in(flags_line);
  for (std::string f; in >> f;) have.insert(f);
  std::string out;
  for (const char* w : kWanted) {
    if (have.count(w)) {
      if (!out.empty()) out += ' ';
      out += w;
    }
  }
  return out;
}

MachineInfo DetectMachine() {
  MachineInfo m;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) m.hostname = host;
  m.cores = int(std::thread::hardware_concurrency());
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (m.cpu_model.empty() && key == "model name") m.cpu_model = value;
    if (m.cpu_flags.empty() && (key == "flags" || key == "Features")) {
      m.cpu_flags = RelevantCpuFlags(value);
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    uint64_t kib = 0;
    meminfo >> kib;
    if (key == "MemTotal:") {
      m.memory_bytes = kib * 1024;
      break;
    }
    meminfo.ignore(1 << 10, '\n');
  }
  m.isa = ops::IsaName(ops::ActiveIsa());
  return m;
}

void RecordMachine(const MachineInfo& m, SuiteRow* row) {
  row->hostname = m.hostname;
  row->cpu_model = m.cpu_model;
  row->cpu_flags = m.cpu_flags;
  row->isa = m.isa;
  row->cores = m.cores;
}

}  // namespace inferno::bench
