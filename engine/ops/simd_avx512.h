// AVX-512 helpers shared by the R4 kernel files (r4_*avx512.cc). Internal linkage for the
// reason given in simd_x86.h; include only from *_avx512.cc files.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstdint>

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): internal linkage is required (simd_x86.h).

// The zero-masked forms: GCC 12 warns that the plain forms' undefined pass-through operand is
// uninitialized (see CvtPh in vec_dot_avx512.cc).
constexpr __mmask16 kAllLanes = 0xFFFF;

inline __m128 Quarter(__m512 v, int i) {
  switch (i) {
    case 0:
      return _mm512_maskz_extractf32x4_ps(__mmask8(0xF), v, 0);
    case 1:
      return _mm512_maskz_extractf32x4_ps(__mmask8(0xF), v, 1);
    case 2:
      return _mm512_maskz_extractf32x4_ps(__mmask8(0xF), v, 2);
    default:
      return _mm512_maskz_extractf32x4_ps(__mmask8(0xF), v, 3);
  }
}
inline __m512 ToFloat(__m512i v) { return _mm512_maskz_cvtepi32_ps(kAllLanes, v); }

// 16 bytes at p in every 128-bit lane.
inline __m512i Broadcast16(const void* p) {
  return _mm512_maskz_broadcast_i32x4(kAllLanes, _mm_loadu_si128(static_cast<const __m128i*>(p)));
}

// Per row of a group: the sum of lanes 4r..4r+3.
inline __m128 RowSums(__m512 acc) {
  const __m128 a0 = Quarter(acc, 0), a1 = Quarter(acc, 1);
  const __m128 a2 = Quarter(acc, 2), a3 = Quarter(acc, 3);
  return _mm_hadd_ps(_mm_hadd_ps(a0, a1), _mm_hadd_ps(a2, a3));
}

}  // namespace
}  // namespace inferno::ops
#endif
