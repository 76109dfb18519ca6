#include "engine/ops/vec_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/ops/matmul.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

const DType kWeightTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                              DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                              DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

// Offsets of the F16 scale fields in a block, which random bytes could turn into inf/NaN.
std::vector<size_t> HalfFields(DType t) {
  switch (t) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
      return {0};
    case DType::kQ4_1:
    case DType::kQ5_1:
      return {0, 2};
    case DType::kQ2_K:
      return {80, 82};
    case DType::kQ3_K:
      return {108};
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

// Random weights of type t: random bytes with sane scales (quantized types), or random
// values (plain types).
std::vector<uint8_t> RandomRow(DType t, int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> row(RowBytes(t, n));
  std::uniform_real_distribution<float> u(-1, 1);
  if (!GetDTypeInfo(t).quantized) {
    std::vector<float> x(n);
    for (float& v : x) v = u(rng);
    QuantizeRow(t, x.data(), row.data(), n);
    return row;
  }
  for (uint8_t& b : row) b = uint8_t(rng());
  const size_t bb = GetDTypeInfo(t).block_bytes;
  for (size_t off = 0; off < row.size(); off += bb) {
    for (size_t f : HalfFields(t)) {
      const uint16_t h = F32ToF16(u(rng) * 0.01f);
      std::memcpy(row.data() + off + f, &h, 2);
    }
  }
  return row;
}

TEST(VecDot, ScalarMatchesDequantizedReference) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2, 2);
  const int64_t n = 512;
  for (DType t : kWeightTypes) {
    for (int trial = 0; trial < 20; ++trial) {
      const std::vector<uint8_t> w = RandomRow(t, n, rng);
      std::vector<float> x(n), wf(n), af(n);
      for (float& v : x) v = u(rng);
      const DType at = ActivationType(t);
      std::vector<uint8_t> a(RowBytes(at, n));
      QuantizeRow(at, x.data(), a.data(), n);
      DequantizeRow(t, w.data(), wf.data(), n);
      DequantizeRow(at, a.data(), af.data(), n);
      double want = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i) {
        want += double(wf[i]) * af[i];
        mag += std::fabs(double(wf[i]) * af[i]);
      }
      const float got = ScalarVecDot(t)(n, w.data(), a.data());
      ASSERT_NEAR(got, want, 1e-5 * mag + 1e-6) << DTypeName(t);
    }
  }
}

TEST(VecDot, EverySimdKernelMatchesScalar) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-2, 2);
  int compared = 0;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (int(isa) > int(DetectedIsa())) continue;
    for (DType t : kWeightTypes) {
      const VecDotFn fast = GetVecDot(t, isa);
      if (fast == nullptr) continue;
      for (int64_t n : {256, 512, 2048}) {
        for (int trial = 0; trial < 10; ++trial) {
          const std::vector<uint8_t> w = RandomRow(t, n, rng);
          std::vector<float> x(n);
          for (float& v : x) v = u(rng);
          std::vector<uint8_t> a(RowBytes(ActivationType(t), n));
          QuantizeRow(ActivationType(t), x.data(), a.data(), n);
          std::vector<float> wf(n), af(n);
          DequantizeRow(t, w.data(), wf.data(), n);
          DequantizeRow(ActivationType(t), a.data(), af.data(), n);
          double mag = 0;
          for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(wf[i]) * af[i]);
          const float want = ScalarVecDot(t)(n, w.data(), a.data());
          ASSERT_NEAR(fast(n, w.data(), a.data()), want, 2e-5 * mag + 1e-6)
              << IsaName(isa) << " " << DTypeName(t) << " n=" << n;
        }
        ++compared;
      }
    }
  }
  std::printf("[vec_dot] %d SIMD kernel/size combinations checked on %s\n", compared,
              IsaName(DetectedIsa()));
}

TEST(MatMul, MatchesFloatReference) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  ThreadPool pool(2);
  for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K, DType::kF16}) {
    for (int64_t rows : {1, 7, 37}) {
      for (int64_t tokens : {1, 3, 17}) {
        const int64_t cols = 512;
        std::vector<uint8_t> w;
        for (int64_t r = 0; r < rows; ++r) {
          const std::vector<uint8_t> row = RandomRow(t, cols, rng);
          w.insert(w.end(), row.begin(), row.end());
        }
        std::vector<float> x(tokens * cols);
        for (float& v : x) v = u(rng);
        WeightMatrix m{t, rows, cols, w.data(), RowBytes(t, cols)};
        std::vector<float> y(tokens * rows);
        Activations act;
        MatMul(pool, m, x.data(), tokens, y.data(), act);
        std::vector<float> wf(cols);
        for (int64_t r = 0; r < rows; ++r) {
          DequantizeRow(t, w.data() + r * m.row_bytes, wf.data(), cols);
          for (int64_t tk = 0; tk < tokens; ++tk) {
            double want = 0, mag = 0;
            for (int64_t k = 0; k < cols; ++k) {
              want += double(wf[k]) * x[tk * cols + k];
              mag += std::fabs(double(wf[k]) * x[tk * cols + k]);
            }
            // 8-bit activations: error up to ~1% of the magnitude of the terms.
            ASSERT_NEAR(y[tk * rows + r], want, 0.01 * mag + 1e-5) << DTypeName(t);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace inferno::ops

namespace inferno::ops {
namespace {

TEST(VecDot4, MatchesSingleRowKernel) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-2, 2);
  for (DType t : {DType::kQ4_0, DType::kQ8_0}) {
    const VecDot4Fn four = Avx512VecDot4(t);
    if (four == nullptr || DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
    const int64_t n = 1024;
    std::vector<uint8_t> w;
    for (int r = 0; r < 4; ++r) {
      const std::vector<uint8_t> row = RandomRow(t, n, rng);
      w.insert(w.end(), row.begin(), row.end());
    }
    std::vector<float> x(n);
    for (float& v : x) v = u(rng);
    std::vector<uint8_t> a(RowBytes(ActivationType(t), n));
    QuantizeRow(ActivationType(t), x.data(), a.data(), n);
    float out[4];
    four(n, w.data(), RowBytes(t, n), a.data(), out);
    for (int r = 0; r < 4; ++r) {
      const float want = ScalarVecDot(t)(n, w.data() + r * RowBytes(t, n), a.data());
      EXPECT_NEAR(out[r], want, 1e-4 * (std::fabs(want) + 1)) << DTypeName(t) << " row " << r;
    }
  }
}

}  // namespace
}  // namespace inferno::ops
