#include "engine/ops/cpu_features.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

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

}  // namespace
}  // namespace inferno::ops
