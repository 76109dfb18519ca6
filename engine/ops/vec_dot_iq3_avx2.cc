// AVX2 dot products of the grid formats (IQ3_XXS, IQ3_S, IQ2_S) with Q8_K activations: per
// sub-block the grid magnitudes (iq3_x86.h) meet the activations with the weights' signs
// applied (xor/subtract with the expanded sign mask; Q8_K never holds -128, so negation is
// exact), maddubs forms int16 pair sums and madd applies the sub-block scales.
#if defined(__x86_64__) || defined(__i386__)
#include <type_traits>

#include "engine/ops/iq3_x86.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"

namespace inferno::ops {
namespace {

// y with the bytes whose bit is set in `neg` negated.
inline __m256i ApplySigns(__m256i y, uint32_t neg) {
  const __m256i m = ExpandBits(reinterpret_cast<const uint8_t*>(&neg));
  return _mm256_sub_epi8(_mm256_xor_si256(y, m), m);
}

template <typename Block>
float DotGrid(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const IQ3Grids& g = GetIQ3Grids();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      const GridVec32 s = LoadGridSub(x[i], ib, g);
      const __m256i ys = ApplySigns(Load(y[i].qs + 32 * ib), s.neg);
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(s.mag, ys), s.scale));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sum), acc);
  }
  return GridUnit<Block>() * HorizontalSum(acc);
}

}  // namespace

VecDotFn Avx2IQ3VecDot(DType t) {
  return ForGridBlock<VecDotFn>(
      t, [](auto* b) -> VecDotFn { return DotGrid<std::remove_pointer_t<decltype(b)>>; });
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2IQ3VecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
