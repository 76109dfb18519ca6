// AVX-512 helpers shared by the kernel files (r4_*avx512.cc, attention_*avx512.cc). Internal
// linkage for the reason given in simd_x86.h; include only from *_avx512.cc files.
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

// e^x for x <= 0: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two so n ln2 is exact), e^r
// by its Taylor series to r^7 (truncation error < 1e-8 relative, well under an ulp), times
// 2^n built from exponent bits. Below -87.33 the result would be under FLT_MIN: 0 instead
// (an absolute error < 1.2e-38), which also maps -inf (masked scores) to 0.
inline __m512 Exp(__m512 x) {
  const __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.33f), _CMP_GE_OQ);
  const __m512 n =
      _mm512_maskz_roundscale_ps(kAllLanes, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_maskz_slli_epi32(
      kAllLanes, _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAllLanes, n), _mm512_set1_epi32(127)),
      23);
  return _mm512_maskz_mul_ps(keep, p, _mm512_castsi512_ps(e));
}

}  // namespace
}  // namespace inferno::ops
#endif
