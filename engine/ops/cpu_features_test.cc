#include "engine/ops/cpu_features.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace inferno::ops {
namespace {

TEST(CpuFeatures, ActiveLevelNeverExceedsDetected) {
  EXPECT_LE(int(ActiveIsa()), int(DetectedIsa()));
  EXPECT_EQ(ActiveIsa(), ActiveIsa());  // decided once
  const char* forced = std::getenv("INFERNO_ISA");
  if (forced == nullptr) {
    EXPECT_EQ(ActiveIsa(), DetectedIsa());
  } else if (std::strcmp(forced, "scalar") == 0) {
    EXPECT_EQ(ActiveIsa(), Isa::kScalar);
  }
}

TEST(CpuFeatures, Names) {
  EXPECT_STREQ(IsaName(Isa::kScalar), "scalar");
  EXPECT_STREQ(IsaName(Isa::kAvx2), "avx2");
  EXPECT_STREQ(IsaName(Isa::kAvx512), "avx512");
  std::printf("[cpu] detected %s, active %s\n", IsaName(DetectedIsa()), IsaName(ActiveIsa()));
}

// The CPUID reading agrees with the kernel's view of the CPU (Linux lists the flag).
TEST(CpuFeatures, Avx512Bf16MatchesProcCpuinfo) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  if (!cpuinfo) GTEST_SKIP() << "no /proc/cpuinfo";
  std::string line;
  bool listed = false;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) {
      listed = (line + " ").find(" avx512_bf16 ") != std::string::npos;
      break;
    }
  }
  EXPECT_EQ(HasAvx512Bf16(), listed && DetectedIsa() == Isa::kAvx512);
}

}  // namespace
}  // namespace inferno::ops
