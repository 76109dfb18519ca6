// The grid-format kernels (vec_dot_iq3_<isa>.cc) beyond what vec_dot_test.cc's loops over every
// weight type check (scalar against the dequantized reference, each ISA against scalar): the
// partner format, the four-row and 4x4 forms, and the extremes of grids, scales and signs.
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
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

using testing::RandomFloats;
using testing::RandomRow;

constexpr DType kGridTypes[] = {DType::kIQ3_XXS, DType::kIQ3_S, DType::kIQ2_S};

std::vector<uint8_t> Activate(const std::vector<float>& x) {
  std::vector<uint8_t> a(RowBytes(DType::kQ8_K, int64_t(x.size())));
  QuantizeRow(DType::kQ8_K, x.data(), a.data(), int64_t(x.size()));
  return a;
}

// Σ|w·a| of the dequantized rows, the scale of the float tolerance, and Σ w·a in double.
struct Reference {
  double dot = 0, magnitude = 0;
};
Reference DequantizedDot(DType t, const uint8_t* w, const uint8_t* a, int64_t n) {
  std::vector<float> wf(n), af(n);
  DequantizeRow(t, w, wf.data(), n);
  DequantizeRow(DType::kQ8_K, a, af.data(), n);
  Reference r;
  for (int64_t i = 0; i < n; ++i) {
    r.dot += double(wf[i]) * af[i];
    r.magnitude += std::fabs(double(wf[i]) * af[i]);
  }
  return r;
}

// As llama.cpp pairs them (ggml type traits: vec_dot_type GGML_TYPE_Q8_K).
TEST(IQ3Kernels, PartnerFormat) {
  for (DType t : kGridTypes) EXPECT_EQ(ActivationType(t), DType::kQ8_K) << DTypeName(t);
}

TEST(IQ3Kernels, NotRepacked) {
  for (DType t : kGridTypes) {
    EXPECT_FALSE(ShouldRepack(WeightMatrix{t, 2048, 2048, nullptr, RowBytes(t, 2048)}))
        << DTypeName(t);
  }
}

// Scalar, AVX2 and AVX-512 on random blocks (every index, sign and scale pattern occurs).
TEST(IQ3Kernels, EveryIsaAgreesOnRandomBlocks) {
  std::mt19937 rng(31);
  for (DType t : kGridTypes) {
    for (int64_t n : {256, 768, 4096}) {
      const std::vector<uint8_t> w = RandomRow(t, n, rng);
      const std::vector<uint8_t> a = Activate(RandomFloats(n, rng));
      const Reference ref = DequantizedDot(t, w.data(), a.data(), n);
      const float scalar = ScalarVecDot(t)(n, w.data(), a.data());
      EXPECT_NEAR(scalar, ref.dot, 1e-5 * ref.magnitude) << DTypeName(t);
      for (Isa isa : testing::kSimdIsas) {
        if (!Supports(DetectedIsa(), isa)) continue;
        ASSERT_NE(GetVecDot(t, isa), nullptr) << IsaName(isa) << " " << DTypeName(t);
        EXPECT_NEAR(GetVecDot(t, isa)(n, w.data(), a.data()), scalar, 2e-5 * ref.magnitude)
            << IsaName(isa) << " " << DTypeName(t) << " n=" << n;
      }
    }
  }
}

TEST(IQ3Kernels, FourRowsAndTilesEqualOneRow) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(37);
  const int64_t n = 1024;
  for (DType t : kGridTypes) {
    const VecDot4Fn four = Avx512IQ3VecDot4(t);
    const Gemm4x4Fn gemm = Avx512IQ3Gemm4x4(t);
    ASSERT_NE(four, nullptr) << DTypeName(t);
    ASSERT_NE(gemm, nullptr) << DTypeName(t);
    const size_t rb = RowBytes(t, n), ab = RowBytes(DType::kQ8_K, n);
    std::vector<uint8_t> w, a;
    for (int r = 0; r < 4; ++r) {
      const std::vector<uint8_t> row = RandomRow(t, n, rng);
      w.insert(w.end(), row.begin(), row.end());
      const std::vector<uint8_t> act = Activate(RandomFloats(n, rng));
      a.insert(a.end(), act.begin(), act.end());
    }
    const VecDotFn one = Avx512IQ3VecDot(t);
    float out4[4];
    four(n, w.data(), rb, a.data(), out4);
    const size_t stride = 6;  // output rows of a wider matrix
    std::vector<float> tile(4 * stride, -1.0f);
    gemm(n, w.data(), rb, a.data(), ab, tile.data(), stride);
    for (int r = 0; r < 4; ++r) {
      const uint8_t* row = w.data() + r * rb;
      // The same per-block arithmetic in every form: equal, not just close.
      EXPECT_EQ(out4[r], one(n, row, a.data())) << DTypeName(t) << " row " << r;
      for (int k = 0; k < 4; ++k) {
        const uint8_t* act = a.data() + k * ab;
        EXPECT_EQ(tile[k * stride + r], one(n, row, act)) << DTypeName(t) << " token " << k;
        EXPECT_NEAR(tile[k * stride + r], ScalarVecDot(t)(n, row, act),
                    2e-5 * DequantizedDot(t, row, act, n).magnitude);
      }
    }
    for (int k = 0; k < 4; ++k) {
      for (size_t j = 4; j < stride; ++j) EXPECT_EQ(tile[k * stride + j], -1.0f);
    }
  }
}

// Every field at its extremes: the last grid entries (which hold the largest magnitudes, IQ3_XXS
// 62, IQ3_S 15, IQ2_S 43) or the first, scales 15 -> 31 or 0 -> 1, all signs negative (IQ3_XXS:
// seven ones and parity) or positive, activations at ±127: no int16 pair sum or int32 total
// may wrap, and negating the activations must be exact.
TEST(IQ3Kernels, ExtremesDoNotOverflow) {
  const int64_t n = 1024;
  for (DType t : kGridTypes) {
    for (uint8_t fill : {0x00, 0xFF}) {
      std::mt19937 rng(fill);
      std::vector<uint8_t> w = RandomRow(t, n, rng);
      const size_t bb = GetDTypeInfo(t).block_bytes;
      for (size_t off = 0; off < w.size(); off += bb) std::memset(&w[off + 2], fill, bb - 2);
      for (float sign : {1.0f, -1.0f}) {
        const std::vector<float> x(n, sign);
        const std::vector<uint8_t> a = Activate(x);
        const Reference ref = DequantizedDot(t, w.data(), a.data(), n);
        const float want = ScalarVecDot(t)(n, w.data(), a.data());
        EXPECT_NEAR(want, ref.dot, 1e-5 * ref.magnitude) << DTypeName(t);
        for (Isa isa : testing::kSimdIsas) {
          if (!Supports(DetectedIsa(), isa)) continue;
          EXPECT_NEAR(GetVecDot(t, isa)(n, w.data(), a.data()), want, 2e-5 * ref.magnitude)
              << IsaName(isa) << " " << DTypeName(t) << " fill=" << int(fill);
        }
      }
    }
  }
}

}  // namespace
}  // namespace inferno::ops
