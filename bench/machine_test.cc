#include "bench/machine.h"

#include <gtest/gtest.h>

namespace inferno::bench {
namespace {

TEST(Machine, KeepsOnlySimdFlagsInAFixedOrder) {
  EXPECT_EQ(RelevantCpuFlags("fpu vme avx512_vnni sse4_2 avx2 fma pdpe1gb avx512f"),
            "sse4_2 avx2 fma avx512f avx512_vnni");
  EXPECT_EQ(RelevantCpuFlags("fp asimd asimddp"), "asimd asimddp");
  EXPECT_EQ(RelevantCpuFlags(""), "");
}

TEST(Machine, DetectsThisMachine) {
  const MachineInfo m = DetectMachine();
  EXPECT_GT(m.cores, 0);
  EXPECT_GT(m.memory_bytes, 0u);
  EXPECT_FALSE(m.isa.empty());
}

}  // namespace
}  // namespace inferno::bench
