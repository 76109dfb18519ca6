// The IQ2_XXS, IQ2_XS and IQ1_S dot kernels (vec_dot_iq2_<isa>.cc): the scalar reference
// against dequantized products, AVX2 and AVX-512 against the scalar one on random blocks and
// at the formats' extremes, AVX-512's four-row and 4x4 forms, the dispatch, and MatMul.
#include "engine/ops/vec_dot_iq2.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/ops/kernel_test_util.h"
#include "engine/ops/matmul.h"
#include "engine/ops/repack.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

using testing::RandomFloats;

constexpr DType kIQ2Types[] = {DType::kIQ2_XXS, DType::kIQ2_XS, DType::kIQ1_S};

// Random blocks: every byte random (all grid indices, signs, scales and shifts occur) except
// the F16 super-block scale at offset 0, kept small and finite.
std::vector<uint8_t> RandomBlocks(DType t, int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> row(RowBytes(t, n));
  for (uint8_t& b : row) b = uint8_t(rng());
  std::uniform_real_distribution<float> u(-0.01f, 0.01f);
  for (size_t off = 0; off < row.size(); off += GetDTypeInfo(t).block_bytes) {
    const uint16_t d = F32ToF16(u(rng));
    std::memcpy(&row[off], &d, 2);
  }
  return row;
}

std::vector<uint8_t> Activate(const std::vector<float>& x) {
  std::vector<uint8_t> a(RowBytes(DType::kQ8_K, int64_t(x.size())));
  QuantizeRow(DType::kQ8_K, x.data(), a.data(), int64_t(x.size()));
  return a;
}

// Σ |w·a| of the dequantized rows, the scale of the rounding error of any summation order.
double Magnitude(DType t, const uint8_t* w, const uint8_t* a, int64_t n, double* exact) {
  std::vector<float> wf(n), af(n);
  DequantizeRow(t, w, wf.data(), n);
  DequantizeRow(DType::kQ8_K, a, af.data(), n);
  double mag = 0, sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    mag += std::fabs(double(wf[i]) * af[i]);
    sum += double(wf[i]) * af[i];
  }
  if (exact != nullptr) *exact = sum;
  return mag;
}

TEST(IQ2Kernels, PartnerFormatAndDispatch) {
  for (DType t : kIQ2Types) {
    EXPECT_EQ(ActivationType(t), DType::kQ8_K) << DTypeName(t);
    EXPECT_FALSE(ShouldRepack(WeightMatrix{t, 2048, 2048, nullptr, RowBytes(t, 2048)}));
    EXPECT_EQ(GetVecDot(t, Isa::kScalar), ScalarIQ2VecDot(t));
#if defined(__x86_64__)
    EXPECT_NE(GetVecDot(t, Isa::kAvx2), nullptr) << DTypeName(t);
    EXPECT_EQ(GetVecDot(t, Isa::kAvx2), Avx2IQ2VecDot(t));
    EXPECT_EQ(GetVecDot(t, Isa::kAvx512), Avx512IQ2VecDot(t));
    EXPECT_NE(GetVecDot(t, Isa::kAvx512), nullptr) << DTypeName(t);
#elif defined(__aarch64__)
    EXPECT_NE(GetVecDot(t, Isa::kNeon), nullptr) << DTypeName(t);
    EXPECT_NE(GetVecDot(t, Isa::kNeonDotprod), nullptr) << DTypeName(t);
#endif
    EXPECT_NE(GetVecDot(t), nullptr);
  }
  EXPECT_EQ(ScalarIQ2VecDot(DType::kQ4_K), nullptr);
}

// The scalar kernel is the dequantized weights times the dequantized activations.
TEST(IQ2Kernels, ScalarMatchesDequantizedProduct) {
  std::mt19937 rng(5);
  for (DType t : kIQ2Types) {
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t n = 512;
      const std::vector<uint8_t> w = RandomBlocks(t, n, rng);
      const std::vector<uint8_t> a = Activate(RandomFloats(n, rng));
      double want = 0;
      const double mag = Magnitude(t, w.data(), a.data(), n, &want);
      ASSERT_NEAR(ScalarIQ2VecDot(t)(n, w.data(), a.data()), want, 1e-5 * mag + 1e-6)
          << DTypeName(t);
    }
  }
}

// Each SIMD kernel the machine can run agrees with the scalar one.
void ExpectSimdMatchesScalar(DType t, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a,
                             int64_t n, const std::string& what) {
  const float want = ScalarIQ2VecDot(t)(n, w.data(), a.data());
  const double mag = Magnitude(t, w.data(), a.data(), n, nullptr);
  for (Isa isa : testing::kSimdIsas) {
    if (!Supports(DetectedIsa(), isa)) continue;
    const VecDotFn fn = GetVecDot(t, isa);
    ASSERT_NE(fn, nullptr);
    EXPECT_NEAR(fn(n, w.data(), a.data()), want, 2e-5 * mag + 1e-6)
        << IsaName(isa) << " " << DTypeName(t) << " " << what;
  }
}

TEST(IQ2Kernels, SimdMatchesScalarOnRandomBlocks) {
  if (DetectedIsa() == Isa::kScalar) GTEST_SKIP() << "no SIMD kernels here";
  std::mt19937 rng(7);
  for (DType t : kIQ2Types) {
    for (int64_t n : {256, 512, 2048, 4096}) {
      for (int trial = 0; trial < 10; ++trial) {
        ExpectSimdMatchesScalar(t, RandomBlocks(t, n, rng), Activate(RandomFloats(n, rng)), n,
                                "n=" + std::to_string(n));
      }
    }
  }
}

// The largest magnitudes: every sub-block scale at its maximum, grid entries of 43 (IQ2) or
// ±1 (IQ1_S) with all signs one way, activations at ±127. The int16 pair sums and the int32
// block sums must not wrap.
TEST(IQ2Kernels, ExtremesDoNotOverflow) {
  if (DetectedIsa() == Isa::kScalar) GTEST_SKIP() << "no SIMD kernels here";
  const int64_t n = 1024;
  std::mt19937 rng(9);
  for (DType t : kIQ2Types) {
    for (int signs : {0, 127}) {
      std::vector<uint8_t> w = RandomBlocks(t, n, rng);
      const size_t bb = GetDTypeInfo(t).block_bytes;
      for (size_t off = 0; off < w.size(); off += bb) {
        if (t == DType::kIQ2_XXS) {
          const uint32_t words[2] = {0xFFFFFFFFu,  // entry 255 ends in 43, 43, 43
                                     uint32_t(signs * 0x0204081) | (15u << 28)};
          for (int ib = 0; ib < 8; ++ib) std::memcpy(&w[off + 2 + 8 * ib], words, 8);
        } else if (t == DType::kIQ2_XS) {
          const uint16_t q = uint16_t(511 | (signs << 9));  // entry 511: all 43
          for (int k = 0; k < 32; ++k) std::memcpy(&w[off + 2 + 2 * k], &q, 2);
          std::memset(&w[off + 66], 0xFF, 8);
        } else {
          std::memset(&w[off + 2], signs == 0 ? 0xFF : 0x00, 32);      // entries 2047 or 0: ±1
          const uint16_t qh = uint16_t(signs == 0 ? 0x7FFF : 0xF000);  // scale 7, shift ±
          for (int ib = 0; ib < 8; ++ib) std::memcpy(&w[off + 34 + 2 * ib], &qh, 2);
        }
      }
      for (float sign : {1.0f, -1.0f}) {
        ExpectSimdMatchesScalar(t, w, Activate(std::vector<float>(n, sign)), n,
                                "signs=" + std::to_string(signs));
      }
    }
  }
}

// The AVX-512 four-row and 4×4 forms share the single-row kernel's per-block arithmetic:
// equal to it, not just close, and so close to the scalar reference.
TEST(IQ2Kernels, FourRowsAndPromptTilesEqualTheRowKernel) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(11);
  for (DType t : kIQ2Types) {
    const VecDot4Fn four = Avx512IQ2VecDot4(t);
    const Gemm4x4Fn gemm = Avx512IQ2Gemm4x4(t);
    ASSERT_NE(four, nullptr);
    ASSERT_NE(gemm, nullptr);
    EXPECT_EQ(GetVecDot4(t), four);
    EXPECT_EQ(GetGemm4x4(t), gemm);
    const int64_t n = 1024;
    const size_t rb = RowBytes(t, n), ab = RowBytes(DType::kQ8_K, n);
    std::vector<uint8_t> w, a;
    for (int r = 0; r < 4; ++r) {
      const std::vector<uint8_t> row = RandomBlocks(t, n, rng);
      w.insert(w.end(), row.begin(), row.end());
      const std::vector<uint8_t> act = Activate(RandomFloats(n, rng));
      a.insert(a.end(), act.begin(), act.end());
    }
    const size_t stride = 6;
    std::vector<float> tile(4 * stride, -1.0f);
    gemm(n, w.data(), rb, a.data(), ab, tile.data(), stride);
    for (int k = 0; k < 4; ++k) {
      float rows[4];
      four(n, w.data(), rb, a.data() + k * ab, rows);
      for (int r = 0; r < 4; ++r) {
        const float one = Avx512IQ2VecDot(t)(n, w.data() + r * rb, a.data() + k * ab);
        EXPECT_EQ(rows[r], one) << DTypeName(t) << " row " << r;
        EXPECT_EQ(tile[k * stride + r], one) << DTypeName(t) << " token " << k << " row " << r;
        const double mag = Magnitude(t, w.data() + r * rb, a.data() + k * ab, n, nullptr);
        EXPECT_NEAR(one, ScalarIQ2VecDot(t)(n, w.data() + r * rb, a.data() + k * ab),
                    2e-5 * mag + 1e-6);
      }
      for (size_t j = 4; j < stride; ++j) EXPECT_EQ(tile[k * stride + j], -1.0f);
    }
  }
}

// MatMul on these types (one token and a prompt, several threads) equals the kernel and is
// close to the float product.
TEST(IQ2Kernels, MatMulMatchesKernelAndFloatReference) {
  std::mt19937 rng(13);
  const int64_t cols = 512, rows = 37;
  ThreadPool pool(2);
  Activations act;
  for (DType t : kIQ2Types) {
    std::vector<uint8_t> bytes;
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<uint8_t> row = RandomBlocks(t, cols, rng);
      bytes.insert(bytes.end(), row.begin(), row.end());
    }
    const WeightMatrix m{t, rows, cols, bytes.data(), RowBytes(t, cols)};
    for (int64_t tokens : {1, 5}) {
      const std::vector<float> x = RandomFloats(tokens * cols, rng, 1.0f);
      std::vector<float> y(tokens * rows, NAN);
      MatMul(pool, m, x.data(), tokens, y.data(), act);
      std::vector<float> wf(cols);
      for (int64_t r = 0; r < rows; ++r) {
        DequantizeRow(t, bytes.data() + r * m.row_bytes, wf.data(), cols);
        for (int64_t k = 0; k < tokens; ++k) {
          double want = 0, mag = 0;
          for (int64_t i = 0; i < cols; ++i) {
            want += double(wf[i]) * x[k * cols + i];
            mag += std::fabs(double(wf[i]) * x[k * cols + i]);
          }
          const float kernel = GetVecDot(t)(cols, bytes.data() + r * m.row_bytes, act.row(k));
          ASSERT_NEAR(y[k * rows + r], kernel, 2e-5 * mag + 1e-6) << DTypeName(t);
          ASSERT_NEAR(y[k * rows + r], want, 0.01 * mag + 1e-5) << DTypeName(t);  // 8-bit x
        }
      }
    }
  }
}

}  // namespace
}  // namespace inferno::ops
