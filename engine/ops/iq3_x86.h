// Helpers of the grid-format kernels (vec_dot_iq3_avx2.cc / _avx512.cc): one 32-weight
// sub-block of IQ3_XXS, IQ3_S or IQ2_S as a vector of its unsigned grid magnitudes, its 32
// sign bits and its int16 scale vector. The magnitudes (at most 62) are the unsigned operand
// of maddubs and the signs go onto the activations, so no pair sum overflows int16
// (2 · 62 · 127). The grid lookups are scalar loads assembled into a vector (llama.cpp's
// x86 code notes vpgatherdd was slower than that on Zen 4; not measured here).
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

inline GridVec32 LoadGridSub(const BlockIQ3_XXS& b, int ib, const IQ3Grids& g) {
  const uint8_t* q = b.qs + 8 * ib;
  const uint32_t* t = g.iq3_xxs;
  return {_mm256_set_epi32(int(t[q[7]]), int(t[q[6]]), int(t[q[5]]), int(t[q[4]]), int(t[q[3]]),
                           int(t[q[2]]), int(t[q[1]]), int(t[q[0]])),
          IQ3XXSNegBits(b, ib, g), _mm256_set1_epi16(int16_t(IQ3XXSScale(b, ib)))};
}

inline GridVec32 LoadGridSub(const BlockIQ3_S& b, int ib, const IQ3Grids& g) {
  const uint32_t* t = g.iq3_s;
  auto at = [&](int k) { return int(t[IQ3SIndex(b, ib, k)]); };
  return {_mm256_set_epi32(at(7), at(6), at(5), at(4), at(3), at(2), at(1), at(0)),
          IQ3SNegBits(b, ib), _mm256_set1_epi16(int16_t(IQ3SScale(b, ib)))};
}

inline GridVec32 LoadGridSub(const BlockIQ2_S& b, int ib, const IQ3Grids& g) {
  const uint64_t* t = g.iq2_s;
  auto at = [&](int l) { return int64_t(t[IQ2SIndex(b, ib, l)]); };
  return {_mm256_set_epi64x(at(3), at(2), at(1), at(0)), IQ2SNegBits(b, ib),
          _mm256_set_m128i(_mm_set1_epi16(int16_t(IQ2SScale(b, ib, 1))),
                           _mm_set1_epi16(int16_t(IQ2SScale(b, ib, 0))))};
}

}  // namespace
}  // namespace inferno::ops
#endif
