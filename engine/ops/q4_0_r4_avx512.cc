// AVX-512 VNNI kernels for the R4 layout. Per block and four rows: one 512-bit load, two
// nibble masks, two vpdpbusd against the activation's halves broadcast to every 128-bit lane,
// one conversion, one scale permute and one FMA — against about 14 instructions per block
// and row in the row-major kernel (vec_dot_avx512.cc).
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/q4_0_r4.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// The zero-masked forms: GCC 12 warns that the plain forms' undefined pass-through operand is
// uninitialized (see CvtPh in vec_dot_avx512.cc).
constexpr __mmask16 kAll = 0xFFFF;
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
inline __m512 ToFloat(__m512i v) { return _mm512_maskz_cvtepi32_ps(kAll, v); }
inline __m512 Spread(__m512i index, __m512 v) {
  return _mm512_maskz_permutexvar_ps(kAll, index, v);
}

// Lane j of block b's scale vector takes scale b*4 + j/4 (lanes 4r..4r+3 belong to row r).
inline __m512i ScaleIndex(int b) {
  return _mm512_add_epi32(
      _mm512_set1_epi32(b * 4),
      _mm512_srli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 2));
}

inline __m512 LoadScales(const uint16_t* p) {
  return _mm512_maskz_cvtph_ps(kAll, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512i Broadcast16(const int8_t* p) {
  return _mm512_maskz_broadcast_i32x4(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Block b of four rows (64 bytes) against one activation block, as 16 int32 partial sums.
inline __m512i BlockSums(__m512i lo, __m512i hi, const BlockQ8_0& y) {
  const __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, Broadcast16(y.qs));
  return _mm512_dpbusd_epi32(s, hi, Broadcast16(y.qs + 16));
}

// out[r] = sum of lanes 4r..4r+3 of acc - sum over b of lane 4b+r of corr.
inline void Finish(__m512 acc, __m512 corr, float* out) {
  const __m128 a0 = Quarter(acc, 0), a1 = Quarter(acc, 1);
  const __m128 a2 = Quarter(acc, 2), a3 = Quarter(acc, 3);
  const __m128 rows = _mm_hadd_ps(_mm_hadd_ps(a0, a1), _mm_hadd_ps(a2, a3));
  const __m128 c = _mm_add_ps(_mm_add_ps(Quarter(corr, 0), Quarter(corr, 1)),
                              _mm_add_ps(Quarter(corr, 2), Quarter(corr, 3)));
  _mm_storeu_ps(out, _mm_sub_ps(rows, c));
}

void DotQ4_0R4(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* a,
               const float* sums, float* out) {
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const int64_t nb = n / kQK;
  const float* ysum = sums + nb * 4;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), corr = _mm512_setzero_ps();
  for (int64_t s = 0; s < nb / 4; ++s) {
    const uint8_t* q = quants + s * 256;
    _mm_prefetch(reinterpret_cast<const char*>(q + 1024), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(q + 1024 + 64), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(q + 1024 + 128), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(q + 1024 + 192), _MM_HINT_T0);
    const __m512 dx = LoadScales(scales + s * 16);
    const __m512 scale = _mm512_mul_ps(dx, _mm512_loadu_ps(sums + s * 16));
    corr = _mm512_fmadd_ps(dx, _mm512_loadu_ps(ysum + s * 16), corr);
    for (int b = 0; b < 4; b += 2) {
      const __m512i v0 = _mm512_loadu_si512(q + b * 64);
      const __m512i v1 = _mm512_loadu_si512(q + b * 64 + 64);
      const __m512i s0 = BlockSums(_mm512_and_si512(v0, low4),
                                   _mm512_and_si512(_mm512_srli_epi16(v0, 4), low4), y[s * 4 + b]);
      const __m512i s1 =
          BlockSums(_mm512_and_si512(v1, low4), _mm512_and_si512(_mm512_srli_epi16(v1, 4), low4),
                    y[s * 4 + b + 1]);
      acc0 = _mm512_fmadd_ps(ToFloat(s0), Spread(ScaleIndex(b), scale), acc0);
      acc1 = _mm512_fmadd_ps(ToFloat(s1), Spread(ScaleIndex(b + 1), scale), acc1);
    }
  }
  Finish(_mm512_add_ps(acc0, acc1), corr, out);
}

void GemmQ4_0R4(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* a,
                size_t a_row_bytes, const float* sums, size_t sums_stride, float* out,
                size_t out_stride) {
  const int64_t nb = n / kQK;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const BlockQ8_0* y[4];
  for (int k = 0; k < 4; ++k) y[k] = RowAt<BlockQ8_0>(a, a_row_bytes, k);
  __m512 acc[4], corr[4];
  for (int k = 0; k < 4; ++k) acc[k] = corr[k] = _mm512_setzero_ps();
  for (int64_t s = 0; s < nb / 4; ++s) {
    const uint8_t* q = quants + s * 256;
    const __m512 dx = LoadScales(scales + s * 16);
    __m512 scale[4];
    for (int k = 0; k < 4; ++k) {
      const float* sk = sums + k * sums_stride;
      scale[k] = _mm512_mul_ps(dx, _mm512_loadu_ps(sk + s * 16));
      corr[k] = _mm512_fmadd_ps(dx, _mm512_loadu_ps(sk + nb * 4 + s * 16), corr[k]);
    }
    for (int b = 0; b < 4; ++b) {
      const __m512i v = _mm512_loadu_si512(q + b * 64);
      const __m512i lo = _mm512_and_si512(v, low4);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      const __m512i index = ScaleIndex(b);
      for (int k = 0; k < 4; ++k) {
        const __m512i sum = BlockSums(lo, hi, y[k][s * 4 + b]);
        acc[k] = _mm512_fmadd_ps(ToFloat(sum), Spread(index, scale[k]), acc[k]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) Finish(acc[k], corr[k], out + k * out_stride);
}

}  // namespace

DotQ4_0R4Fn Avx512DotQ4_0R4() { return DotQ4_0R4; }
GemmQ4_0R4Fn Avx512GemmQ4_0R4() { return GemmQ4_0R4; }

}  // namespace inferno::ops
#else
#include "engine/ops/q4_0_r4.h"
namespace inferno::ops {
DotQ4_0R4Fn Avx512DotQ4_0R4() { return nullptr; }
GemmQ4_0R4Fn Avx512GemmQ4_0R4() { return nullptr; }
}  // namespace inferno::ops
#endif
