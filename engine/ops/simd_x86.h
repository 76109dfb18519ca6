// Small helpers shared by the x86 kernel files (*_avx2.cc, *_avx512.cc). Include it only
// from those files: it uses AVX2/F16C intrinsics.
//
// Everything here has internal linkage on purpose. An ordinary `inline` function compiled
// in an AVX-512 file and in an AVX2 file is one symbol to the linker, which keeps either
// copy; in a build that does not inline it (-O0), the AVX2 path could end up calling code
// with AVX-512 instructions. For the same reason kernel files must not call the
// external-linkage inline helpers of fp16.h / quant_blocks.h.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): see above, internal linkage is required.

// Hardware F16 conversion (F16C); the portable one in fp16.h branches per call.
inline float H2F(uint16_t h) { return _cvtsh_ss(h); }

inline __m256i Load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

inline int HorizontalSumI32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// Row r of a matrix of blocks with the given row stride in bytes.
template <typename Block>
inline const Block* RowAt(const void* base, size_t row_bytes, int r) {
  return reinterpret_cast<const Block*>(static_cast<const uint8_t*>(base) + r * row_bytes);
}

// Prefetches the `bytes` bytes at p into L1, one request per cache line.
inline void PrefetchBytes(const void* p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += 64) {
    _mm_prefetch(static_cast<const char*>(p) + off, _MM_HINT_T0);
  }
}

// 16 packed nibble bytes -> 32 bytes: low nibbles (elements 0..15), then high (16..31).
inline __m256i UnpackNibbles(const uint8_t* q) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes, byte j = 0xFF if bit j is set (Q5_0/Q5_1 fifth bits).
inline __m256i ExpandBits(const uint8_t* bits) {
  uint32_t v;
  std::memcpy(&v, bits, 4);
  // Byte j takes source byte j / 8, then tests bit j % 8 of it.
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(int(v)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i select = _mm256_set1_epi64x(int64_t(0x8040201008040201));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
}

// Scales and mins of a Q4_K/Q5_K block: bytes 0..7 scales, 8..15 mins (see
// UnpackScalesMinsK4 in quant_blocks.h, duplicated here for the linkage reason above).
inline __m128i ScalesMinsK4(const uint8_t* packed) {
  constexpr uint32_t kLow6 = 0x3F3F3F3F, kLow4 = 0x0F0F0F0F, kLow2 = 0x03030303;
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  return _mm_set_epi32(int(((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kLow2) << 4)), int(u[1] & kLow6),
                       int((u[2] & kLow4) | (((u[0] >> 6) & kLow2) << 4)), int(u[0] & kLow6));
}

// The 16 signed six-bit scales of a Q3_K block (see UnpackScalesQ3K in quant_blocks.h).
inline __m128i ScalesQ3K(const uint8_t* packed) {
  constexpr uint32_t kLow4 = 0x0F0F0F0F, kLow2 = 0x03030303;
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const __m128i s = _mm_set_epi32(int(((u[1] >> 4) & kLow4) | (((u[2] >> 6) & kLow2) << 4)),
                                  int(((u[0] >> 4) & kLow4) | (((u[2] >> 4) & kLow2) << 4)),
                                  int((u[1] & kLow4) | (((u[2] >> 2) & kLow2) << 4)),
                                  int((u[0] & kLow4) | ((u[2] & kLow2) << 4)));
  return _mm_sub_epi8(s, _mm_set1_epi8(32));
}

}  // namespace
}  // namespace inferno::ops
#endif
