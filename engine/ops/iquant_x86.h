// Helpers of the codebook-format kernels (vec_dot_iquant_avx2.cc / _avx512.cc): IQ4_NL,
// IQ4_XS and MXFP4 store 4-bit indices into a 16-entry table of int8 levels, so one
// vpshufb turns 32 unpacked nibbles into 32 signed levels, after which the dot is Q8_0's
// signed byte product. Internal linkage for the reason given in simd_x86.h; include only
// from *_avx2.cc / *_avx512.cc files.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): internal linkage is required (simd_x86.h).

// A 16-level codebook in both 128-bit lanes, the table operand of vpshufb.
inline __m256i CodebookTable(const int8_t* levels) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(levels)));
}

// The 32 signed levels of 16 nibble bytes in Q4_0's order (low nibbles, then high).
inline __m256i LookupLevels(const uint8_t* qs, __m256i table) {
  return _mm256_shuffle_epi8(table, UnpackNibbles(qs));
}

// MXFP4's halved E8M0 scale, 2^(e-128) (E8M0Half in quant_blocks.h, copied for linkage).
inline float E8M0HalfX86(uint8_t e) {
  const uint32_t bits = e < 2 ? (0x00200000u << e) : uint32_t(e - 1) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The eight signed sub-block scales (-32..31) of an IQ4_XS block (IQ4XSScale, copied).
inline void IQ4XSScales(const BlockIQ4_XS& b, int16_t out[8]) {
  uint32_t low;
  std::memcpy(&low, b.scales_l, 4);
  for (int ib = 0; ib < 8; ++ib) {
    const int l = (low >> (4 * ib)) & 0xF;  // nibble ib: byte ib / 2, low nibble first
    const int h = (b.scales_h >> (2 * ib)) & 3;
    out[ib] = int16_t((l | (h << 4)) - 32);
  }
}

}  // namespace
}  // namespace inferno::ops
#endif
