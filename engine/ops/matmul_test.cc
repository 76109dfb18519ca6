#include "engine/ops/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/ops/kernel_test_util.h"
#include "engine/ops/r4.h"
#include "engine/ops/repack.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dequant.h"

namespace inferno::ops {
namespace {

using testing::kWeightTypes;
using testing::RandomFloats;
using testing::RandomRow;

struct Matrix {
  std::vector<uint8_t> bytes;
  WeightMatrix view;
};

Matrix RandomMatrix(DType t, int64_t rows, int64_t cols, std::mt19937& rng) {
  Matrix m;
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<uint8_t> row = RandomRow(t, cols, rng);
    m.bytes.insert(m.bytes.end(), row.begin(), row.end());
  }
  m.view = WeightMatrix{t, rows, cols, m.bytes.data(), RowBytes(t, cols)};
  return m;
}

TEST(MatMul, ActivationTypes) {
  EXPECT_EQ(ActivationType(DType::kQ4_0), DType::kQ8_0);
  EXPECT_EQ(ActivationType(DType::kQ5_0), DType::kQ8_0);
  EXPECT_EQ(ActivationType(DType::kQ8_0), DType::kQ8_0);
  EXPECT_EQ(ActivationType(DType::kQ4_1), DType::kQ8_1);
  EXPECT_EQ(ActivationType(DType::kQ5_1), DType::kQ8_1);
  for (DType t : {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    EXPECT_EQ(ActivationType(t), DType::kQ8_K);
  }
  EXPECT_EQ(ActivationType(DType::kF16), DType::kF16);
  EXPECT_EQ(ActivationType(DType::kBF16), DType::kBF16);
  EXPECT_EQ(ActivationType(DType::kF32), DType::kF32);
}

// Every output equals the single-row kernel on the same quantized activations (whatever
// tiling, four-row or 4x4 kernel MatMul picked), and is close to the float product.
TEST(MatMul, MatchesKernelAndFloatReference) {
  std::mt19937 rng(3);
  const int64_t cols = 512;
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    Activations act;  // reused across shapes: the buffer only grows
    for (DType t : kWeightTypes) {
      for (int64_t rows : {1, 7, 37, 64}) {
        const Matrix m = RandomMatrix(t, rows, cols, rng);
        for (int64_t tokens : {1, 3, 4, 17}) {
          const std::vector<float> x = RandomFloats(tokens * cols, rng, 1.0f);
          std::vector<float> y(tokens * rows, NAN);
          MatMul(pool, m.view, x.data(), tokens, y.data(), act);
          ASSERT_EQ(act.type(), ActivationType(t));
          ASSERT_EQ(act.n_tokens(), tokens);
          ASSERT_EQ(act.n(), cols);
          std::vector<float> wf(cols);
          for (int64_t r = 0; r < rows; ++r) {
            DequantizeRow(t, m.bytes.data() + r * m.view.row_bytes, wf.data(), cols);
            for (int64_t tk = 0; tk < tokens; ++tk) {
              double want = 0, mag = 0;
              for (int64_t k = 0; k < cols; ++k) {
                want += double(wf[k]) * x[tk * cols + k];
                mag += std::fabs(double(wf[k]) * x[tk * cols + k]);
              }
              const float got = y[tk * rows + r];
              const float kernel =
                  GetVecDot(t)(cols, m.bytes.data() + r * m.view.row_bytes, act.row(tk));
              ASSERT_NEAR(got, kernel, 2e-5 * mag + 1e-6)
                  << DTypeName(t) << " threads=" << threads << " rows=" << rows
                  << " tokens=" << tokens << " r=" << r << " t=" << tk;
              // 8-bit activations: error up to ~1% of the magnitude of the terms.
              ASSERT_NEAR(got, want, 0.01 * mag + 1e-5) << DTypeName(t);
            }
          }
        }
      }
    }
  }
}

TEST(MatMul, PrequantizedActivationsServeSeveralMatrices) {
  std::mt19937 rng(21);
  ThreadPool pool(2);
  const int64_t cols = 256, tokens = 5;
  const Matrix a = RandomMatrix(DType::kQ4_K, 40, cols, rng);
  const Matrix b = RandomMatrix(DType::kQ6_K, 24, cols, rng);  // same partner format
  const std::vector<float> x = RandomFloats(tokens * cols, rng);
  Activations act;
  act.Quantize(pool, DType::kQ4_K, x.data(), tokens, cols);
  std::vector<float> ya(tokens * 40), yb(tokens * 24), ref_a(tokens * 40), ref_b(tokens * 24);
  MatMul(pool, a.view, act, ya.data());
  MatMul(pool, b.view, act, yb.data());
  Activations scratch;
  MatMul(pool, a.view, x.data(), tokens, ref_a.data(), scratch);
  MatMul(pool, b.view, x.data(), tokens, ref_b.data(), scratch);
  EXPECT_EQ(ya, ref_a);
  EXPECT_EQ(yb, ref_b);
}

// The R4 layout holds the same numbers (DequantizeWeightRow reads them back bit for bit) and
// its kernels give the row-major kernels' results up to float summation order, for decode,
// 4-token tiles and their remainders, on any thread count. Only the layouts the active ISA has
// kernels for (AVX2: all of them; AVX-512 VNNI: all but Q5_K); the others stay row-major.
TEST(MatMul, RepackedR4MatchesRowMajor) {
  std::mt19937 rng(8);
  const struct {
    DType type;
    WeightLayout layout;
    std::vector<int64_t> cols;
    size_t packed_bytes_per_4x256;  // GGUF: 4 x the type's bytes per 256 weights
  } kCases[] = {
      {DType::kQ4_0, WeightLayout::kQ4_0R4, {128, 384, 2048}, 4 * 8 * 18},
      {DType::kQ8_0, WeightLayout::kQ8_0R4, {128, 384, 2048}, 4 * 8 * 34},
      {DType::kQ4_K, WeightLayout::kQ4_KR4, {256, 768, 2048}, 4 * 144 + 16},  // unpacked scales
      {DType::kQ6_K, WeightLayout::kQ6_KR4, {256, 768, 2048}, 4 * 210},
      {DType::kIQ4_XS, WeightLayout::kIQ4_XSR4, {256, 768, 2048}, 4 * 136 + 40},  // scales twice
      {DType::kQ5_K, WeightLayout::kQ5_KR4, {256, 768, 2048}, 4 * 176 + 16},      // unpacked scales
  };
  int layouts_tested = 0;
  for (const auto& c : kCases) {
    const DType type = c.type;
    if (!GetR4Kernels(c.layout).available()) {
      EXPECT_FALSE(ShouldRepack(RandomMatrix(type, 4, c.cols[0], rng).view)) << DTypeName(type);
      continue;
    }
    ++layouts_tested;
    for (int64_t cols : c.cols) {
      for (int64_t rows : {4, 12, 64, 132}) {
        const Matrix m = RandomMatrix(type, rows, cols, rng);
        ASSERT_TRUE(ShouldRepack(m.view));
        AlignedBytes storage;
        const WeightMatrix packed = RepackWeights(m.view, &storage);
        ASSERT_EQ(packed.layout, c.layout);
        ASSERT_EQ(storage.size(), size_t(rows / 4) * size_t(cols) * c.packed_bytes_per_4x256 / 256);
        std::vector<float> want(cols), got(cols);
        std::vector<float> weights(rows * cols);  // for the size of the terms of each dot
        for (int64_t r = 0; r < rows; ++r) {
          DequantizeWeightRow(m.view, r, want.data());
          DequantizeWeightRow(packed, r, got.data());
          ASSERT_EQ(want, got) << "row " << r;
          std::copy(want.begin(), want.end(), weights.begin() + r * cols);
        }
        for (int threads : {1, 3}) {
          ThreadPool pool(threads);
          for (int64_t tokens : {1, 2, 4, 9}) {
            const std::vector<float> x = RandomFloats(tokens * cols, rng, 1.0f);
            std::vector<float> y(tokens * rows, NAN), ref(tokens * rows, NAN);
            Activations act;
            act.Quantize(pool, type, x.data(), tokens, cols);
            MatMul(pool, packed, act, y.data());
            MatMul(pool, m.view, act, ref.data());
            for (int64_t i = 0; i < tokens * rows; ++i) {
              // Both sum exact integer partial dots in float, in different orders.
              double magnitude = 0;
              for (int64_t k = 0; k < cols; ++k) {
                magnitude += std::fabs(weights[(i % rows) * cols + k] * x[(i / rows) * cols + k]);
              }
              ASSERT_NEAR(y[i], ref[i], 1e-6 * magnitude + 1e-6)
                  << DTypeName(type) << " cols=" << cols << " rows=" << rows << " tokens=" << tokens
                  << " i=" << i;
            }
            // A token alone gives bit for bit what it gives inside a 4-token tile: the model's
            // 8-bit activations would turn any rounding difference into a visible jump.
            for (int64_t t = 0; t < tokens; ++t) {
              Activations one;
              one.Quantize(pool, type, x.data() + t * cols, 1, cols);
              std::vector<float> alone(rows);
              MatMul(pool, packed, one, alone.data());
              ASSERT_EQ(alone, std::vector<float>(y.begin() + t * rows, y.begin() + (t + 1) * rows))
                  << DTypeName(type) << " token " << t << " of " << tokens;
            }
          }
        }
      }
    }
  }
  // Shapes the layout cannot hold stay row-major.
  EXPECT_FALSE(
      ShouldRepack(WeightMatrix{DType::kQ4_0, 6, 128, nullptr, RowBytes(DType::kQ4_0, 128)}));
  EXPECT_FALSE(
      ShouldRepack(WeightMatrix{DType::kQ4_0, 8, 96, nullptr, RowBytes(DType::kQ4_0, 96)}));
  EXPECT_FALSE(
      ShouldRepack(WeightMatrix{DType::kQ6_K, 10, 256, nullptr, RowBytes(DType::kQ6_K, 256)}));
  EXPECT_FALSE(
      ShouldRepack(WeightMatrix{DType::kQ5_K, 6, 256, nullptr, RowBytes(DType::kQ5_K, 256)}));
  if (layouts_tested == 0) GTEST_SKIP() << "no R4 kernel at " << IsaName(ActiveIsa());
}

}  // namespace
}  // namespace inferno::ops
