// AVX2 dot products of the codebook formats: IQ4_NL and MXFP4 with Q8_0 activations, IQ4_XS
// with Q8_K. A vpshufb table lookup yields signed levels; maddubs needs one unsigned operand,
// so it multiplies |w| by y carrying w's sign (no pair sum overflows int16: |w|, |y| <= 127).
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/iquant_x86.h"
#include "engine/ops/rows4_avx2.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// int16 pair sums of w·y over 32 signed bytes.
inline __m256i PairProducts(__m256i w, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w));
}

// Σ w·y of one 32-element block as 8 int32 lanes.
inline __m256i BlockSum(__m256i w, __m256i y) {
  return _mm256_madd_epi16(PairProducts(w, y), _mm256_set1_epi16(1));
}

// Step kernels (rows4_avx2.h). IQ4_NL (F16 scale) and MXFP4 (E8M0 scale) against Q8_0: one
// block per step, two accumulator chains to hide the FMA latency.
template <typename Block>
struct Codebook32 {
  using WBlock = Block;
  using ABlock = BlockQ8_0;
  static constexpr int kBlock = kQK;
  static constexpr int kChains = 2;
  static constexpr bool kMx = sizeof(Block) == sizeof(BlockMXFP4);
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i table = CodebookTable(kMx ? kMXFP4Values : kIQ4NLValues);
    const __m256i levels = LookupLevels(x.qs, table);
    for (int t = 0; t < kTokens; ++t) {
      float scale;
      if constexpr (kMx) {
        scale = E8M0HalfX86(x.e) * H2F(y[t]->d);
      } else {
        scale = H2F(x.d) * H2F(y[t]->d);
      }
      const __m256i s = BlockSum(levels, Load(y[t]->qs));
      acc[t].v = _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(s), acc[t].v);
    }
  }
  static float Finish(const Acc& even, const Acc& odd) {
    return HorizontalSum(_mm256_add_ps(even.v, odd.v));
  }
};

struct IQ4_XS {
  using WBlock = BlockIQ4_XS;
  using ABlock = BlockQ8_K;
  static constexpr int kBlock = kQK_K;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i table = CodebookTable(kIQ4NLValues);
    int16_t scales[8];
    IQ4XSScales(x, scales);
    __m256i sum[kTokens];
    for (int t = 0; t < kTokens; ++t) sum[t] = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const __m256i levels = LookupLevels(x.qs + 16 * ib, table);
      const __m256i scale = _mm256_set1_epi16(scales[ib]);
      for (int t = 0; t < kTokens; ++t) {
        const __m256i p = PairProducts(levels, Load(y[t]->qs + 32 * ib));
        sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, scale));
      }
    }
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v =
          _mm256_fmadd_ps(_mm256_set1_ps(H2F(x.d) * y[t]->d), _mm256_cvtepi32_ps(sum[t]), acc[t].v);
    }
  }
  static float Finish(const Acc& acc) { return HorizontalSum(acc.v); }
};

// The step kernel of each codebook format in the form Fn (rows4_avx2.h).
template <class Fn>
Fn CodebookKernels(DType t) {
  switch (t) {
    case DType::kIQ4_NL:
      return Form<Fn>::template Of<Codebook32<BlockIQ4_NL>>();
    case DType::kMXFP4:
      return Form<Fn>::template Of<Codebook32<BlockMXFP4>>();
    case DType::kIQ4_XS:
      return Form<Fn>::template Of<IQ4_XS>();
    default:
      return nullptr;
  }
}

}  // namespace

VecDotFn Avx2IQuantVecDot(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return Avx2IQ2VecDot(t);
    default:
      return CodebookKernels<VecDotFn>(t);
  }
}

VecDot4Fn Avx2IQuantVecDot4(DType t) { return CodebookKernels<VecDot4Fn>(t); }
Gemm4x4Fn Avx2IQuantGemm4x4(DType t) { return CodebookKernels<Gemm4x4Fn>(t); }

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2IQuantVecDot(DType) { return nullptr; }
VecDot4Fn Avx2IQuantVecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx2IQuantGemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
