#include "engine/ops/axpy_f16.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {
namespace {

TEST(AxpyF16, EveryIsaMatchesScalarAtOddLengths) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 1);
  std::vector<AxpyF16Fn> fns = {AxpyF16Scalar};
  if (Supports(DetectedIsa(), Isa::kAvx2)) fns.push_back(AxpyF16Avx2);
  if (Supports(DetectedIsa(), Isa::kAvx512)) fns.push_back(AxpyF16Avx512);
  for (int n : {1, 7, 8, 15, 16, 17, 64, 100, 256}) {
    std::vector<uint16_t> x(n);
    std::vector<float> y0(n);
    for (int i = 0; i < n; ++i) {
      x[i] = F32ToF16(nd(rng));
      y0[i] = nd(rng);
    }
    std::vector<float> want = y0;
    for (int i = 0; i < n; ++i) want[i] += 0.37f * F16ToF32(x[i]);
    for (AxpyF16Fn fn : fns) {
      std::vector<float> y = y0;
      fn(n, 0.37f, x.data(), y.data());
      for (int i = 0; i < n; ++i) EXPECT_NEAR(y[i], want[i], 1e-6f) << "n " << n << " i " << i;
    }
  }
}

}  // namespace
}  // namespace inferno::ops
