// Helpers of the grid-format kernels (vec_dot_iq3_avx2.cc / _avx512.cc): one 32-weight
// sub-block of IQ3_XXS, IQ3_S or IQ2_S as a vector of its unsigned grid magnitudes, its 32
// sign bits and its int16 scale vector. The magnitudes (at most 62) are the unsigned operand
// of maddubs and the signs go onto the activations, so no pair sum overflows int16
// (2 · 62 · 127). The grid lookups are vpgathers: on this machine (AVX-512, Intel) they
// measured as fast as eight scalar loads and inserts for IQ3_XXS and IQ2_S and about 1.4x
// faster for IQ3_S, whose 9-bit indices are cheaper to build in vector registers.
// (llama.cpp's x86 code notes the opposite on Zen 4, so this may be worth revisiting there.)
// Internal linkage for the reason given in simd_x86.h; include only from *_avx2.cc /
// *_avx512.cc files.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstdint>

#include "engine/ops/simd_x86.h"
#include "engine/tensor/iq3_grids.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): internal linkage is required (simd_x86.h).

struct GridVec32 {
  __m256i mag;    // 32 unsigned magnitudes
  uint32_t neg;   // bit j: weight j negative
  __m256i scale;  // 2s + 1 in every int16 of the half (128-bit lane) it applies to
};

// One sub-block: the grid indices computed in vector registers, the lookups one vpgather.
inline GridVec32 LoadGridSub(const BlockIQ3_XXS& b, int ib, const IQ3Grids& g) {
  const __m256i idx =
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qs + 8 * ib)));
  return {_mm256_i32gather_epi32(reinterpret_cast<const int*>(g.iq3_xxs), idx, 4),
          IQ3XXSNegBits(b, ib, g), _mm256_set1_epi16(int16_t(IQ3XXSScale(b, ib)))};
}

inline GridVec32 LoadGridSub(const BlockIQ3_S& b, int ib, const IQ3Grids& g) {
  const __m256i low =
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qs + 8 * ib)));
  const __m256i high = _mm256_and_si256(
      _mm256_srlv_epi32(_mm256_set1_epi32(b.qh[ib]), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)),
      _mm256_set1_epi32(1));
  const __m256i idx = _mm256_or_si256(low, _mm256_slli_epi32(high, 8));
  return {_mm256_i32gather_epi32(reinterpret_cast<const int*>(g.iq3_s), idx, 4), IQ3SNegBits(b, ib),
          _mm256_set1_epi16(int16_t(IQ3SScale(b, ib)))};
}

inline GridVec32 LoadGridSub(const BlockIQ2_S& b, int ib, const IQ3Grids& g) {
  const __m128i low = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(int(LoadU32(b.qs + 4 * ib))));
  const __m128i high = _mm_and_si128(
      _mm_srlv_epi32(_mm_set1_epi32(b.qh[ib]), _mm_setr_epi32(0, 2, 4, 6)), _mm_set1_epi32(3));
  const __m128i idx = _mm_or_si128(low, _mm_slli_epi32(high, 8));
  return {_mm256_i32gather_epi64(reinterpret_cast<const long long*>(g.iq2_s), idx, 8),
          IQ2SNegBits(b, ib),
          _mm256_set_m128i(_mm_set1_epi16(int16_t(IQ2SScale(b, ib, 1))),
                           _mm_set1_epi16(int16_t(IQ2SScale(b, ib, 0))))};
}

}  // namespace
}  // namespace inferno::ops
#endif
