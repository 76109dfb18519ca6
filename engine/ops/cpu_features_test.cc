#include "engine/ops/cpu_features.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace inferno::ops {
namespace {

TEST(CpuFeatures, ActiveLevelNeverExceedsDetected) {
  EXPECT_TRUE(Supports(DetectedIsa(), ActiveIsa()));
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
  EXPECT_STREQ(IsaName(Isa::kNeon), "neon");
  EXPECT_STREQ(IsaName(Isa::kNeonDotprod), "dotprod");
  EXPECT_STREQ(IsaName(Isa::kNeonI8mm), "i8mm");
  std::printf("[cpu] detected %s, active %s\n", IsaName(DetectedIsa()), IsaName(ActiveIsa()));
}

// The two families never stand in for each other; each falls back within itself, then scalar.
TEST(CpuFeatures, SupportsAndLowerStayInTheFamily) {
  EXPECT_TRUE(Supports(Isa::kAvx512, Isa::kAvx2));
  EXPECT_FALSE(Supports(Isa::kAvx2, Isa::kAvx512));
  EXPECT_FALSE(Supports(Isa::kNeonI8mm, Isa::kAvx2));
  EXPECT_FALSE(Supports(Isa::kAvx512, Isa::kNeon));
  EXPECT_TRUE(Supports(Isa::kNeonI8mm, Isa::kNeonDotprod));
  EXPECT_FALSE(Supports(Isa::kNeon, Isa::kNeonDotprod));
  EXPECT_TRUE(Supports(Isa::kNeon, Isa::kScalar));
  EXPECT_FALSE(Supports(Isa::kScalar, Isa::kNeon));
  EXPECT_EQ(LowerIsa(Isa::kAvx512), Isa::kAvx2);
  EXPECT_EQ(LowerIsa(Isa::kAvx2), Isa::kScalar);
  EXPECT_EQ(LowerIsa(Isa::kNeonI8mm), Isa::kNeonDotprod);
  EXPECT_EQ(LowerIsa(Isa::kNeonDotprod), Isa::kNeon);
  EXPECT_EQ(LowerIsa(Isa::kNeon), Isa::kScalar);
  EXPECT_EQ(LowerIsa(Isa::kScalar), Isa::kScalar);
}

// `make test-arm64` runs the kernel tests under qemu with CPU models of each ARM64 level and
// says which level each must be detected as (scripts/test-arm64), so that the run proves both
// the detection and that every dispatch path was taken.
TEST(CpuFeatures, DetectsTheLevelTheRunExpects) {
  const char* want = std::getenv("INFERNO_EXPECT_ISA");
  if (want == nullptr) GTEST_SKIP() << "INFERNO_EXPECT_ISA not set";
  EXPECT_STREQ(IsaName(DetectedIsa()), want);
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
