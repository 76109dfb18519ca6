// AVX2 dot products of the codebook formats: IQ4_NL and MXFP4 with Q8_0 activations, IQ4_XS
// with Q8_K. A vpshufb table lookup yields signed levels; maddubs needs one unsigned operand,
// so it multiplies |w| by y carrying w's sign (no pair sum overflows int16: |w|, |y| <= 127).
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/iquant_x86.h"
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

// IQ4_NL (F16 scale) and MXFP4 (E8M0 scale) against Q8_0: one block per step, two
// accumulators to hide the FMA latency.
template <typename Block>
float DotCodebook32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  constexpr bool kMx = sizeof(Block) == sizeof(BlockMXFP4);
  const __m256i table = CodebookTable(kMx ? kMXFP4Values : kIQ4NLValues);
  auto scale = [&](int64_t i) {
    if constexpr (kMx) {
      return E8M0HalfX86(x[i].e) * H2F(y[i].d);
    } else {
      return H2F(x[i].d) * H2F(y[i].d);
    }
  };
  auto step = [&](int64_t i, __m256 acc) {
    const __m256i s = BlockSum(LookupLevels(x[i].qs, table), Load(y[i].qs));
    return _mm256_fmadd_ps(_mm256_set1_ps(scale(i)), _mm256_cvtepi32_ps(s), acc);
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const int64_t nb = n / kQK;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    acc0 = step(i, acc0);
    acc1 = step(i + 1, acc1);
  }
  if (i < nb) acc0 = step(i, acc0);
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

float DotIQ4_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i table = CodebookTable(kIQ4NLValues);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int16_t scales[8];
    IQ4XSScales(x[i], scales);
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const __m256i p =
          PairProducts(LookupLevels(x[i].qs + 16 * ib, table), Load(y[i].qs + 32 * ib));
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p, _mm256_set1_epi16(scales[ib])));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sum), acc);
  }
  return HorizontalSum(acc);
}

}  // namespace

VecDotFn Avx2IQuantVecDot(DType t) {
  switch (t) {
    case DType::kIQ4_NL:
      return DotCodebook32<BlockIQ4_NL>;
    case DType::kMXFP4:
      return DotCodebook32<BlockMXFP4>;
    case DType::kIQ4_XS:
      return DotIQ4_XS;
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return Avx2IQ2VecDot(t);
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2IQuantVecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
