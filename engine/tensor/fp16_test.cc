#include "engine/tensor/fp16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace inferno {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(Fp16, KnownValues) {
  EXPECT_EQ(F32ToF16(0.0f), 0x0000);
  EXPECT_EQ(F32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(F32ToF16(1.0f), 0x3C00);
  EXPECT_EQ(F32ToF16(-2.0f), 0xC000);
  EXPECT_EQ(F32ToF16(65504.0f), 0x7BFF);  // largest finite
  EXPECT_EQ(F32ToF16(65519.0f), 0x7BFF);  // below the rounding boundary
  EXPECT_EQ(F32ToF16(65520.0f), 0x7C00);  // halfway to 65536 → even → inf
  EXPECT_EQ(F32ToF16(1e6f), 0x7C00);      // overflow → inf
  EXPECT_EQ(F32ToF16(-1e6f), 0xFC00);
  EXPECT_EQ(F32ToF16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(F32ToF16(5.9604645e-08f), 0x0001);      // smallest subnormal
  EXPECT_EQ(F32ToF16(2.9802322e-08f), 0x0000);      // exactly half of it: tie → even (0)
  EXPECT_EQ(F32ToF16(2.9802326e-08f), 0x0001);      // just above half
  EXPECT_EQ(F32ToF16(6.1035156e-05f), 0x0400);      // smallest normal
  EXPECT_EQ(F32ToF16(1.0f + 1.0f / 2048), 0x3C00);  // tie → even (down)
  EXPECT_EQ(F32ToF16(1.0f + 3.0f / 2048), 0x3C02);  // tie → even (up)
  EXPECT_FLOAT_EQ(F16ToF32(0x3555), 0.33325195f);
  EXPECT_FLOAT_EQ(F16ToF32(0x0001), 5.9604645e-08f);
  EXPECT_TRUE(std::isinf(F16ToF32(0xFC00)) && F16ToF32(0xFC00) < 0);
  const uint16_t nan = F32ToF16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_TRUE(std::isnan(F16ToF32(0x7E00)));
}

// The compiler's _Float16 (x86-64, GCC >= 12 / Clang >= 15) converts with IEEE
// round-to-nearest-even: an independent reference for both directions.
// GCC 12 has no _Float16 in C++ on ARM64: there the reference is __fp16, converted by the FCVT
// instructions, also round-to-nearest-even.
#if defined(__aarch64__)
using CompilerHalf = __fp16;
#define INFERNO_COMPILER_HALF 1
#elif defined(__FLT16_MAX__)
using CompilerHalf = _Float16;
#define INFERNO_COMPILER_HALF 1
#endif
#if defined(INFERNO_COMPILER_HALF)
TEST(Fp16, AllHalvesMatchCompilerConversion) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    CompilerHalf ref;
    const uint16_t h16 = uint16_t(h);
    std::memcpy(&ref, &h16, 2);
    const float got = F16ToF32(h16);
    if (std::isnan(float(ref))) {
      ASSERT_TRUE(std::isnan(got)) << h;
      continue;
    }
    ASSERT_EQ(Bits(got), Bits(float(ref))) << "half 0x" << std::hex << h;
    ASSERT_EQ(F32ToF16(got), h16) << "round trip 0x" << std::hex << h;
  }
}

TEST(Fp16, FloatsMatchCompilerConversion) {
  // Every float whose low 11 bits are one of a few patterns around the rounding point
  // (exact ties, just below, just above) in every exponent, plus a dense stride.
  auto check = [](uint32_t u) {
    const float f = FromBits(u);
    if (std::isnan(f)) return;
    const CompilerHalf ref = static_cast<CompilerHalf>(f);
    uint16_t want;
    std::memcpy(&want, &ref, 2);
    ASSERT_EQ(F32ToF16(f), want) << "float bits 0x" << std::hex << u;
  };
  for (uint32_t hi = 0; hi < (1u << 19); ++hi) {
    for (uint32_t lo : {0x0000u, 0x0FFFu, 0x1000u, 0x1001u, 0x1FFFu}) {
      check((hi << 13) | lo);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
  for (uint64_t u = 0; u < (1ull << 32); u += 9973) {
    check(uint32_t(u));
    if (testing::Test::HasFatalFailure()) return;
  }
}
#endif

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(F32ToBF16(1.0f), 0x3F80);
  EXPECT_FLOAT_EQ(BF16ToF32(0x4049), 3.140625f);
  EXPECT_EQ(F32ToBF16(FromBits(0x3F808000)), 0x3F80);  // tie, even below
  EXPECT_EQ(F32ToBF16(FromBits(0x3F818000)), 0x3F82);  // tie, even above
  EXPECT_EQ(F32ToBF16(FromBits(0x3F808001)), 0x3F81);  // above tie
  EXPECT_EQ(F32ToBF16(FromBits(0x7F7FFFFF)), 0x7F80);  // max float rounds to inf
  EXPECT_EQ(F32ToBF16(-0.0f), 0x8000);
  const uint16_t nan = F32ToBF16(FromBits(0x7F800001));  // signalling NaN stays NaN
  EXPECT_TRUE(std::isnan(BF16ToF32(nan)));
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if (std::isnan(BF16ToF32(uint16_t(h)))) continue;
    ASSERT_EQ(F32ToBF16(BF16ToF32(uint16_t(h))), h);
  }
}

}  // namespace
}  // namespace inferno
