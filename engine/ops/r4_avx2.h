// Helpers shared by the AVX2 kernels of the R4 layouts (r4_avx2.cc, r4_kquant_avx2.cc), which
// read a group's 64-byte vectors as two 256-bit halves: rows 0-1, then rows 2-3. Include it only
// from *_avx2.cc files: internal linkage, for the reason given in simd_x86.h.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): see simd_x86.h.

// The 16 bytes at p in both 128-bit lanes: an activation chunk against the two rows of a half.
inline __m256i Broadcast16(const void* p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}

// out[r] = the sum of row r's four lanes (rows 0-1 in acc[0], rows 2-3 in acc[1]).
inline void StoreRowSums(const __m256 acc[2], float* out) {
  // t: (a0 01, a0 23, a1 01, a1 23 | a0 45, a0 67, a1 45, a1 67); u's lanes 0 and 1 of each
  // half: rows 0, 2 (low half) and rows 1, 3 (high half).
  const __m256 t = _mm256_hadd_ps(acc[0], acc[1]);
  const __m256 u = _mm256_hadd_ps(t, t);
  const __m128 lo = _mm256_castps256_ps128(u), hi = _mm256_extractf128_ps(u, 1);
  _mm_storeu_ps(out, _mm_unpacklo_ps(lo, hi));
}

}  // namespace
}  // namespace inferno::ops
#endif
