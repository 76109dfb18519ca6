// The codebook-format kernels (vec_dot_iquant_<isa>.cc) beyond what vec_dot_test.cc's loops
// over every weight type check: their partner formats, the four-row and 4x4 forms (which
// live in their own tables), and codebook extremes.
#include <gtest/gtest.h>

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

constexpr DType kCodebookTypes[] = {DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};

std::vector<uint8_t> Activate(DType t, const std::vector<float>& x) {
  std::vector<uint8_t> a(RowBytes(ActivationType(t), int64_t(x.size())));
  QuantizeRow(ActivationType(t), x.data(), a.data(), int64_t(x.size()));
  return a;
}

double Magnitude(DType t, const uint8_t* w, const uint8_t* a, int64_t n) {
  std::vector<float> wf(n), af(n);
  DequantizeRow(t, w, wf.data(), n);
  DequantizeRow(ActivationType(t), a, af.data(), n);
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(wf[i]) * af[i]);
  return mag;
}

// As llama.cpp pairs them: one scale per 32 meets Q8_0, super-blocks meet Q8_K.
TEST(IQuantKernels, PartnerFormats) {
  EXPECT_EQ(ActivationType(DType::kIQ4_NL), DType::kQ8_0);
  EXPECT_EQ(ActivationType(DType::kMXFP4), DType::kQ8_0);
  EXPECT_EQ(ActivationType(DType::kIQ4_XS), DType::kQ8_K);
}

// IQ4_NL and MXFP4 have no interleaved (R4) layout: the loader must keep their rows as
// stored. IQ4_XS has one wherever AVX2 or AVX-512 runs (matmul_test.cc checks its kernels).
TEST(IQuantKernels, OnlyIQ4XSIsRepacked) {
  for (DType t : {DType::kIQ4_NL, DType::kMXFP4}) {
    EXPECT_FALSE(ShouldRepack(WeightMatrix{t, 2048, 2048, nullptr, RowBytes(t, 2048)}))
        << DTypeName(t);
  }
  const WeightMatrix xs{DType::kIQ4_XS, 2048, 2048, nullptr, RowBytes(DType::kIQ4_XS, 2048)};
  EXPECT_EQ(ShouldRepack(xs), ActiveIsa() == Isa::kAvx512 || ActiveIsa() == Isa::kAvx2);
}

TEST(IQuantKernels, FourRowsMatchScalar) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(17);
  for (DType t : kCodebookTypes) {
    const VecDot4Fn four = Avx512IQuantVecDot4(t);
    ASSERT_NE(four, nullptr) << DTypeName(t);
    for (int64_t n : {256, 1024, 4096}) {
      const size_t rb = RowBytes(t, n);
      std::vector<uint8_t> w;
      for (int r = 0; r < 4; ++r) {
        const std::vector<uint8_t> row = RandomRow(t, n, rng);
        w.insert(w.end(), row.begin(), row.end());
      }
      const std::vector<uint8_t> a = Activate(t, RandomFloats(n, rng));
      float out[4];
      four(n, w.data(), rb, a.data(), out);
      for (int r = 0; r < 4; ++r) {
        const uint8_t* row = w.data() + r * rb;
        EXPECT_NEAR(out[r], ScalarVecDot(t)(n, row, a.data()),
                    2e-5 * Magnitude(t, row, a.data(), n) + 1e-6)
            << DTypeName(t) << " n=" << n << " row " << r;
        if (t == DType::kIQ4_XS) {
          // The same per-block arithmetic as the one-row kernel: equal, not just close.
          EXPECT_EQ(out[r], Avx512IQuantVecDot(t)(n, row, a.data()));
        }
      }
    }
  }
}

TEST(IQuantKernels, PromptTileMatchesScalar) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(19);
  for (DType t : kCodebookTypes) {
    const Gemm4x4Fn gemm = Avx512IQuantGemm4x4(t);
    ASSERT_NE(gemm, nullptr) << DTypeName(t);
    const int64_t n = 1024;
    const size_t rb = RowBytes(t, n), ab = RowBytes(ActivationType(t), n);
    std::vector<uint8_t> w, a;
    for (int r = 0; r < 4; ++r) {
      const std::vector<uint8_t> row = RandomRow(t, n, rng);
      w.insert(w.end(), row.begin(), row.end());
      const std::vector<uint8_t> act = Activate(t, RandomFloats(n, rng));
      a.insert(a.end(), act.begin(), act.end());
    }
    const size_t stride = 6;
    std::vector<float> out(4 * stride, -1.0f);
    gemm(n, w.data(), rb, a.data(), ab, out.data(), stride);
    for (int k = 0; k < 4; ++k) {
      for (int r = 0; r < 4; ++r) {
        const uint8_t* row = w.data() + r * rb;
        const uint8_t* act = a.data() + k * ab;
        EXPECT_NEAR(out[k * stride + r], ScalarVecDot(t)(n, row, act),
                    2e-5 * Magnitude(t, row, act, n) + 1e-6)
            << DTypeName(t) << " token " << k << " row " << r;
        if (t == DType::kIQ4_XS) {
          EXPECT_EQ(out[k * stride + r], Avx512IQuantVecDot(t)(n, row, act));  // prefill == decode
        }
      }
      for (size_t j = 4; j < stride; ++j) EXPECT_EQ(out[k * stride + j], -1.0f);
    }
  }
}

// Every nibble at the codebook's ends (IQ4: -127 and 113; MXFP4: ±12) with activations at
// ±127 and the largest IQ4_XS scales: the int16 pair sums and int32 totals must not wrap.
TEST(IQuantKernels, ExtremeLevelsDoNotOverflow) {
  const int64_t n = 1024;
  for (DType t : kCodebookTypes) {
    for (uint8_t fill : {0x00, 0xFF, 0x77, 0xF0}) {
      std::mt19937 rng(fill);
      std::vector<uint8_t> w = RandomRow(t, n, rng);
      const size_t bb = GetDTypeInfo(t).block_bytes;
      for (size_t off = 0; off < w.size(); off += bb) {
        if (t == DType::kIQ4_XS) {
          std::memset(&w[off + 2], 0, 6);  // every sub-block scale -32
          std::memset(&w[off + 8], fill, 128);
        } else {
          std::memset(&w[off + bb - 16], fill, 16);
        }
      }
      for (float sign : {1.0f, -1.0f}) {
        const std::vector<float> x(n, sign);
        const std::vector<uint8_t> a = Activate(t, x);
        const float want = ScalarVecDot(t)(n, w.data(), a.data());
        for (Isa isa : testing::kSimdIsas) {
          if (!Supports(DetectedIsa(), isa)) continue;
          EXPECT_NEAR(GetVecDot(t, isa)(n, w.data(), a.data()), want,
                      2e-5 * Magnitude(t, w.data(), a.data(), n) + 1e-6)
              << IsaName(isa) << " " << DTypeName(t) << " fill=" << int(fill);
        }
      }
    }
  }
}

}  // namespace
}  // namespace inferno::ops
