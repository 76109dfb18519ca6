#include "engine/ops/f16_row.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {
namespace {

// Every kernel rounds exactly like fp16.h's F32ToF16: normal values at random, halfway cases,
// F16 subnormals, overflow to infinity, signed zeros.
TEST(F32ToF16Row, EveryIsaRoundsLikeFp16H) {
  std::mt19937 rng(5);
  std::vector<float> x;
  std::uniform_real_distribution<float> u(-70000, 70000);
  std::uniform_int_distribution<uint32_t> bits(0, 0xFFFFFFFF);
  for (int i = 0; i < 4096; ++i) x.push_back(u(rng));
  for (int i = 0; i < 4096; ++i) {
    uint32_t b = bits(rng) & 0xBFFFFFFF;  // exponents up to 2^0: many F16 subnormals too
    if ((b & 0x7F800000) == 0x7F800000) b &= 0xFF7FFFFF;
    float f;
    std::memcpy(&f, &b, 4);
    x.push_back(f);
  }
  for (uint16_t h = 0; h < 0x7C00; h += 7) {  // exact halfway points between F16 values
    const float lo = F16ToF32(h), hi = F16ToF32(uint16_t(h + 1));
    x.push_back((lo + hi) / 2);
    x.push_back(-(lo + hi) / 2);
  }
  for (float f : {0.0f, -0.0f, 65504.0f, 65520.0f, 1e9f, -1e9f, INFINITY, -INFINITY, 5.96e-8f,
                  2.98e-8f, 1e-10f}) {
    x.push_back(f);
  }
  std::vector<F32ToF16RowFn> fns = {F32ToF16RowScalar};
  if (Supports(DetectedIsa(), Isa::kAvx2)) fns.push_back(F32ToF16RowAvx2);
  for (F32ToF16RowFn fn : fns) {
    // Odd length: the tail path runs too.
    const int64_t n = int64_t(x.size()) - (x.size() % 8 == 0 ? 3 : 0);
    std::vector<uint16_t> y(x.size(), 0xABCD);
    fn(x.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], F32ToF16(x[i])) << "x " << x[i];
    for (size_t i = n; i < x.size(); ++i) ASSERT_EQ(y[i], 0xABCD);
  }
}

}  // namespace
}  // namespace inferno::ops
