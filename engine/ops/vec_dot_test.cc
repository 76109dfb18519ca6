#include "engine/ops/vec_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "engine/ops/kernel_test_util.h"
#include "engine/ops/matmul.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

using testing::kWeightTypes;
using testing::RandomFloats;
using testing::RandomRow;

// Sum of |w_i * a_i| over the dequantized rows: the scale for relative tolerances.
double Magnitude(DType t, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  std::vector<float> wf(n), af(n);
  DequantizeRow(t, w.data(), wf.data(), n);
  DequantizeRow(ActivationType(t), a.data(), af.data(), n);
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(wf[i]) * af[i]);
  return mag;
}

std::vector<uint8_t> QuantizedActivations(DType t, const std::vector<float>& x) {
  std::vector<uint8_t> a(RowBytes(ActivationType(t), int64_t(x.size())));
  QuantizeRow(ActivationType(t), x.data(), a.data(), int64_t(x.size()));
  return a;
}

std::vector<int64_t> Lengths(DType t) {
  if (GetDTypeInfo(t).quantized) return {256, 512, 2048, 4096};
  return {1, 7, 16, 33, 100, 256, 1000};  // plain types: exercise the SIMD tails
}

TEST(VecDot, ScalarMatchesDequantizedReference) {
  std::mt19937 rng(11);
  const int64_t n = 512;
  for (DType t : kWeightTypes) {
    ASSERT_NE(ScalarVecDot(t), nullptr) << DTypeName(t);
    for (int trial = 0; trial < 20; ++trial) {
      const std::vector<uint8_t> w = RandomRow(t, n, rng);
      const std::vector<uint8_t> a = QuantizedActivations(t, RandomFloats(n, rng));
      std::vector<float> wf(n), af(n);
      DequantizeRow(t, w.data(), wf.data(), n);
      DequantizeRow(ActivationType(t), a.data(), af.data(), n);
      double want = 0;
      for (int64_t i = 0; i < n; ++i) want += double(wf[i]) * af[i];
      const float got = ScalarVecDot(t)(n, w.data(), a.data());
      ASSERT_NEAR(got, want, 1e-5 * Magnitude(t, w, a, n) + 1e-6) << DTypeName(t);
    }
  }
}

// Which types each ISA level is expected to accelerate, so a lost kernel is noticed.
TEST(VecDot, SimdCoverage) {
  std::set<DType> avx2, avx512;
  for (DType t : kWeightTypes) {
    if (GetVecDot(t, Isa::kAvx2) != nullptr) avx2.insert(t);
    if (GetVecDot(t, Isa::kAvx512) != nullptr) avx512.insert(t);
    EXPECT_NE(GetVecDot(t), nullptr) << DTypeName(t);
  }
#if defined(__x86_64__)
  EXPECT_EQ(avx2.size(), std::size(kWeightTypes));
  std::set<DType> want512 = {DType::kF16,   DType::kQ4_0,    DType::kQ5_0,   DType::kQ5_1,
                             DType::kQ8_0,  DType::kQ2_K,    DType::kQ3_K,   DType::kQ4_K,
                             DType::kQ5_K,  DType::kQ6_K,    DType::kIQ4_NL, DType::kIQ4_XS,
                             DType::kMXFP4, DType::kIQ3_XXS, DType::kIQ3_S,  DType::kIQ2_S};
  if (HasAvx512Bf16()) want512.insert(DType::kBF16);  // else AVX2's BF16 kernel serves
  EXPECT_EQ(avx512, want512);
#elif defined(__aarch64__)
  // NEON, with and without the int8 dot product: every type.
  const std::set<DType> want(std::begin(kWeightTypes), std::end(kWeightTypes));
  for (Isa isa : {Isa::kNeon, Isa::kNeonDotprod}) {
    std::set<DType> have;
    for (DType t : kWeightTypes) {
      if (GetVecDot(t, isa) != nullptr) have.insert(t);
    }
    EXPECT_EQ(have, want) << IsaName(isa);
  }
  EXPECT_EQ(GetVecDot(DType::kQ4_K, Isa::kNeonI8mm), nullptr);  // i8mm only has 4×4 tiles
#endif
  EXPECT_EQ(GetVecDot(DType::kQ8_K), nullptr);  // activation-only formats have no kernel
  EXPECT_EQ(GetVecDot(DType::kI32), nullptr);
}

TEST(VecDot, EverySimdKernelMatchesScalar) {
  std::mt19937 rng(5);
  int compared = 0;
  for (Isa isa : testing::kSimdIsas) {
    if (!Supports(DetectedIsa(), isa)) continue;
    for (DType t : kWeightTypes) {
      const VecDotFn fast = GetVecDot(t, isa);
      if (fast == nullptr) continue;
      for (int64_t n : Lengths(t)) {
        for (int trial = 0; trial < 10; ++trial) {
          const std::vector<uint8_t> w = RandomRow(t, n, rng);
          const std::vector<uint8_t> a = QuantizedActivations(t, RandomFloats(n, rng));
          const float want = ScalarVecDot(t)(n, w.data(), a.data());
          ASSERT_NEAR(fast(n, w.data(), a.data()), want, 2e-5 * Magnitude(t, w, a, n) + 1e-6)
              << IsaName(isa) << " " << DTypeName(t) << " n=" << n;
        }
        ++compared;
      }
    }
  }
  std::printf("[vec_dot] %d SIMD kernel/length combinations checked up to %s\n", compared,
              IsaName(DetectedIsa()));
}

// Activations at the int8 extremes (±127 everywhere) with weights at theirs: the SIMD
// byte products must not saturate where the scalar sums do not.
TEST(VecDot, ExtremeQuantsDoNotSaturate) {
  const int64_t n = 512;
  for (Isa isa : testing::kSimdIsas) {
    if (!Supports(DetectedIsa(), isa)) continue;
    for (DType t : kWeightTypes) {
      const VecDotFn fast = GetVecDot(t, isa);
      if (fast == nullptr || !GetDTypeInfo(t).quantized) continue;
      for (uint8_t fill : {0x00, 0x80, 0xFF, 0x7F}) {
        std::mt19937 rng(fill);
        std::vector<uint8_t> w = RandomRow(t, n, rng);  // for the scale fields
        const std::vector<uint8_t> scales = w;
        std::memset(w.data(), fill, w.size());
        const size_t bb = GetDTypeInfo(t).block_bytes;
        for (size_t off = 0; off < w.size(); off += bb) {
          for (size_t f : testing::HalfFields(t)) std::memcpy(&w[off + f], &scales[off + f], 2);
        }
        for (float sign : {1.0f, -1.0f}) {
          std::vector<float> x(n, sign);
          for (int64_t i = 0; i < n; i += 3) x[i] = -sign;
          const std::vector<uint8_t> a = QuantizedActivations(t, x);
          const float want = ScalarVecDot(t)(n, w.data(), a.data());
          ASSERT_NEAR(fast(n, w.data(), a.data()), want, 2e-5 * Magnitude(t, w, a, n) + 1e-6)
              << IsaName(isa) << " " << DTypeName(t) << " fill=" << int(fill);
        }
      }
    }
  }
}

// Checks every type of a four-row table against the scalar dot per row; `exact` (may be null)
// is the same level's one-row table, which each row must then equal bit for bit. Returns how
// many types the table has.
int CheckVecDot4(VecDot4Fn (*table)(DType), VecDotFn (*exact)(DType), std::mt19937& rng) {
  int checked = 0;
  for (DType t : kWeightTypes) {
    const VecDot4Fn four = table(t);
    if (four == nullptr) continue;
    const VecDotFn one = exact != nullptr ? exact(t) : nullptr;
    if (exact != nullptr) {
      EXPECT_NE(one, nullptr) << DTypeName(t);
    }
    for (int64_t n : {256, 1024, 4096}) {
      std::vector<uint8_t> w;
      for (int r = 0; r < 4; ++r) {
        const std::vector<uint8_t> row = RandomRow(t, n, rng);
        w.insert(w.end(), row.begin(), row.end());
      }
      const std::vector<uint8_t> a = QuantizedActivations(t, RandomFloats(n, rng));
      float out[4];
      const size_t rb = RowBytes(t, n);
      four(n, w.data(), rb, a.data(), out);
      for (int r = 0; r < 4; ++r) {
        const std::vector<uint8_t> row(w.begin() + r * rb, w.begin() + (r + 1) * rb);
        if (one != nullptr) {
          EXPECT_EQ(out[r], one(n, row.data(), a.data()))
              << DTypeName(t) << " n=" << n << " row " << r;
        }
        EXPECT_NEAR(out[r], ScalarVecDot(t)(n, row.data(), a.data()),
                    2e-5 * Magnitude(t, row, a, n) + 1e-6)
            << DTypeName(t) << " n=" << n << " row " << r;
      }
    }
    ++checked;
  }
  return checked;
}

TEST(VecDot4, MatchesScalarPerRow) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(9);
  EXPECT_GE(CheckVecDot4(Avx512VecDot4, nullptr, rng), 7);  // Q4_0, Q5_0, Q5_1, Q8_0, Q4_K..Q6_K
}

// Checks every type of a 4×4 tile table against the scalar dot per row and token; `decode`
// (may be null) is the same level's one-row table, which K-quant and F16 tiles must equal
// exactly, and with `all_exact` every type's tiles. Returns how many types the table has.
int CheckGemm4x4(Gemm4x4Fn (*table)(DType), VecDotFn (*decode)(DType), std::mt19937& rng,
                 bool all_exact = false) {
  int checked = 0;
  for (DType t : kWeightTypes) {
    const Gemm4x4Fn gemm = table(t);
    if (gemm == nullptr) continue;
    ++checked;
    // Plain types: partial vectors too; 32-element blocks: an odd number of blocks too.
    const int64_t block = GetDTypeInfo(t).block_size;
    const std::vector<int64_t> lengths = !GetDTypeInfo(t).quantized
                                             ? std::vector<int64_t>{1, 33, 1000}
                                         : block == 32 ? std::vector<int64_t>{96, 1024}
                                                       : std::vector<int64_t>{1024};
    for (int64_t n : lengths) {
      const size_t rb = RowBytes(t, n), ab = RowBytes(ActivationType(t), n);
      std::vector<uint8_t> w, a;
      for (int r = 0; r < 4; ++r) {
        const std::vector<uint8_t> row = RandomRow(t, n, rng);
        w.insert(w.end(), row.begin(), row.end());
        const std::vector<uint8_t> act = QuantizedActivations(t, RandomFloats(n, rng));
        a.insert(a.end(), act.begin(), act.end());
      }
      const size_t stride = 7;  // output rows of a wider matrix
      std::vector<float> out(4 * stride, -1.0f);
      gemm(n, w.data(), rb, a.data(), ab, out.data(), stride);
      for (int k = 0; k < 4; ++k) {
        for (int r = 0; r < 4; ++r) {
          const std::vector<uint8_t> row(w.begin() + r * rb, w.begin() + (r + 1) * rb);
          const std::vector<uint8_t> act(a.begin() + k * ab, a.begin() + (k + 1) * ab);
          const float want = ScalarVecDot(t)(n, row.data(), act.data());
          EXPECT_NEAR(out[k * stride + r], want, 2e-5 * Magnitude(t, row, act, n) + 1e-6)
              << DTypeName(t) << " token " << k << " row " << r;
          if (decode != nullptr &&
              (all_exact || GetDTypeInfo(t).block_size == 256 || t == DType::kF16)) {
            // These tiles do the decode kernel's arithmetic: prefill equals decode exactly.
            EXPECT_EQ(out[k * stride + r], decode(t)(n, row.data(), act.data()))
                << DTypeName(t) << " token " << k << " row " << r;
          }
        }
        for (size_t j = 4; j < stride; ++j) EXPECT_EQ(out[k * stride + j], -1.0f);  // untouched
      }
    }
  }
  return checked;
}

TEST(Gemm4x4, MatchesScalarPerRowAndToken) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(13);
  // F16, Q4_0, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, and BF16 with AVX512_BF16.
  EXPECT_EQ(CheckGemm4x4(Avx512Gemm4x4, Avx512VecDot, rng), HasAvx512Bf16() ? 11 : 10);
}

// The AVX2 four-row kernels and tiles are the one-row kernels' steps run on several rows and
// tokens (rows4_avx2.h): equal to them bit for bit, for every type that has them.
VecDot4Fn Avx2Dot4(DType t) {
  const VecDot4Fn f = Avx2VecDot4(t);
  return f != nullptr ? f : Avx2IQuantVecDot4(t);
}
Gemm4x4Fn Avx2Tile(DType t) {
  const Gemm4x4Fn f = Avx2Gemm4x4(t);
  return f != nullptr ? f : Avx2IQuantGemm4x4(t);
}
VecDotFn Avx2Row(DType t) { return GetVecDot(t, Isa::kAvx2); }

TEST(VecDot4, Avx2EqualsTheRowKernel) {
  if (!Supports(DetectedIsa(), Isa::kAvx2)) GTEST_SKIP() << "no AVX2 here";
  std::mt19937 rng(19);
  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, IQ4_NL, IQ4_XS, MXFP4
  EXPECT_EQ(CheckVecDot4(Avx2Dot4, Avx2Row, rng), 13);
}

TEST(Gemm4x4, Avx2EqualsTheRowKernel) {
  if (!Supports(DetectedIsa(), Isa::kAvx2)) GTEST_SKIP() << "no AVX2 here";
  std::mt19937 rng(23);
  EXPECT_EQ(CheckGemm4x4(Avx2Tile, Avx2Row, rng, /*all_exact=*/true), 13);
}

// MatMul takes four-row kernels and tiles only from the level of the one-row kernel it would
// use, so that prefill and decode round alike.
TEST(Gemm4x4, TakenFromTheRowKernelsLevel) {
  for (DType t : kWeightTypes) {
    const VecDotFn one = GetVecDot(t);
    if (ActiveIsa() == Isa::kAvx2) {
      EXPECT_EQ(one == Avx2Row(t) ? Avx2Tile(t) : nullptr, GetGemm4x4(t)) << DTypeName(t);
      EXPECT_EQ(one == Avx2Row(t) ? Avx2Dot4(t) : nullptr, GetVecDot4(t)) << DTypeName(t);
    }
    if (one == ScalarVecDot(t)) {
      EXPECT_EQ(GetVecDot4(t), nullptr) << DTypeName(t);
    }
  }
}

#if defined(__aarch64__)
TEST(Gemm4x4, I8mmMatchesScalarPerRowAndToken) {
  if (!Supports(DetectedIsa(), Isa::kNeonI8mm)) GTEST_SKIP() << "no i8mm here";
  std::mt19937 rng(17);
  // Q8_0, Q4_0, Q4_K, Q6_K; every tile equals the dotprod one-row kernel bit for bit (batched
  // sequences and speculative verification pick the tokens one-token decoding picks).
  EXPECT_EQ(CheckGemm4x4(NeonI8mmGemm4x4, NeonDotprodVecDot, rng, /*all_exact=*/true), 4);
  EXPECT_EQ(GetGemm4x4(DType::kQ8_0),
            ActiveIsa() == Isa::kNeonI8mm ? NeonI8mmGemm4x4(DType::kQ8_0) : nullptr);
}
#endif

}  // namespace
}  // namespace inferno::ops
