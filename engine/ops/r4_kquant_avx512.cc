// AVX-512 VNNI kernels for the Q4_K and Q6_K R4 layouts (engine/ops/repack.h) against Q8_K
// activations. Per quarter superblock (64 columns of four rows): two (Q4_K) or three (Q6_K)
// 512-bit loads, nibble masks, four vpdpbusd against 16 activations broadcast to every row's
// lane, and per sub-block one vpdpwssd that multiplies by the sub-block scale and accumulates
// — the scales were unpacked to bytes at load, so spreading one over its row's lanes is a
// single permute. vpdpbusd leaves at most 8 products of 4-bit (or 4 of 6-bit) quants and
// 8-bit activations per 32-bit lane, which fits in 16 bits, so vpdpwssd with the scale in
// the low half (high half zero) is exact.
//
// The decode (one token) and prompt (four tokens) kernels run the same per-token operations,
// so a token gives bit-identical results alone or inside a tile.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/r4.h"
#include "engine/ops/simd_avx512.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Lanes 4r..4r+3 take row r's entry j of a [j][r] int32 vector holding entries 4..7 or 0..3.
inline __m512i SpreadI32(int j, __m512i v) {
  return _mm512_maskz_permutexvar_epi32(kAllLanes, ScaleIndex(j % 4), v);
}

// The four rows' F16 values at p spread as lane l -> value l/4.
inline __m512 SpreadRowsF16(const uint8_t* p) {
  const __m128 v = _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m512i index =
      _mm512_srli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 2);
  return _mm512_maskz_permutexvar_ps(kAllLanes, index, _mm512_zextps128_ps512(v));
}

inline __m512i Low4(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
inline __m512i High4(__m512i v) { return Low4(_mm512_srli_epi16(v, 4)); }

// One superblock of a Q4_K group against kTokens activation blocks (y[k], whose 32-element
// sums are at ysum[k]): acc[k] += the four rows' partial sums (lanes 4r..4r+3 for row r).
struct Q4KFormat {
  static constexpr size_t kQuantBytes = 512, kMetaBytes = 80;

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const BlockQ8_K* const* y,
                         const int16_t* const* ysum, __m512* acc) {
    // Sub-block scales as [j][r] bytes: lanes 4j+r of two int32 vectors (j < 4, j >= 4).
    const __m512i scales[2] = {
        _mm512_maskz_cvtepu8_epi32(kAllLanes,
                                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta))),
        _mm512_maskz_cvtepu8_epi32(kAllLanes,
                                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta + 16)))};
    __m512i isum[kTokens];
    for (int k = 0; k < kTokens; ++k) isum[k] = _mm512_setzero_si512();
    for (int quarter = 0; quarter < 4; ++quarter) {
      const __m512i a = _mm512_loadu_si512(q + quarter * 128);
      const __m512i b = _mm512_loadu_si512(q + quarter * 128 + 64);
      const __m512i a_lo = Low4(a), a_hi = High4(a), b_lo = Low4(b), b_hi = High4(b);
      const int even = 2 * quarter, odd = 2 * quarter + 1;
      const __m512i scale_even = SpreadI32(even, scales[even / 4]);
      const __m512i scale_odd = SpreadI32(odd, scales[odd / 4]);
      for (int k = 0; k < kTokens; ++k) {
        const int8_t* yq = y[k]->qs + quarter * 64;
        const __m512i zero = _mm512_setzero_si512();
        const __m512i p_even = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, a_lo, Broadcast16(yq)),
                                                   b_lo, Broadcast16(yq + 16));
        const __m512i p_odd = _mm512_dpbusd_epi32(
            _mm512_dpbusd_epi32(zero, a_hi, Broadcast16(yq + 32)), b_hi, Broadcast16(yq + 48));
        isum[k] = _mm512_dpwssd_epi32(isum[k], p_even, scale_even);
        isum[k] = _mm512_dpwssd_epi32(isum[k], p_odd, scale_odd);
      }
    }
    // Mins as [r][j] bytes -> words 8r + j; times the activation's sums of sub-block j
    // (repeated for every row), in pairs: lanes 4r..4r+3 sum to row r's min term.
    const __m512i mins =
        _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta + 32)));
    const __m512 d = SpreadRowsF16(meta + 64), dmin = SpreadRowsF16(meta + 72);
    for (int k = 0; k < kTokens; ++k) {
      const __m512i min_terms = _mm512_madd_epi16(mins, Broadcast16(ysum[k]));
      const __m512 yd = _mm512_set1_ps(y[k]->d);
      acc[k] = _mm512_fmadd_ps(ToFloat(isum[k]), _mm512_mul_ps(d, yd), acc[k]);
      acc[k] = _mm512_fnmadd_ps(ToFloat(min_terms), _mm512_mul_ps(dmin, yd), acc[k]);
    }
  }
};

// Words 2l of the result: word 8(l/4) + s of v (row l/4's scale s of a [r][s] word vector);
// odd words zero, as vpdpwssd's scale operand wants.
inline __m512i SpreadWords(int s, __m512i v) {
  const __m512i lane =
      _mm512_srli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 2);
  const __m512i index = _mm512_add_epi32(_mm512_slli_epi32(lane, 3), _mm512_set1_epi32(s));
  return _mm512_maskz_permutexvar_epi16(__mmask32(0x55555555), index, v);
}

// One superblock of a Q6_K group: value = d * scale * (q - 32) per group of 16, q six bits.
struct Q6KFormat {
  static constexpr size_t kQuantBytes = 768, kMetaBytes = 72;

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const BlockQ8_K* const* y,
                         const int16_t* const*, __m512* acc) {
    // Signed scales as [r][s] bytes, s < 8 then s >= 8 -> words 8r + s % 8.
    const __m512i scales[2] = {
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta))),
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta + 32)))};
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    __m512i isum[kTokens];
    for (int k = 0; k < kTokens; ++k) isum[k] = _mm512_setzero_si512();
    for (int quarter = 0; quarter < 4; ++quarter) {
      const uint8_t* p = q + quarter * 192;
      const __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 64);
      const __m512i h = _mm512_loadu_si512(p + 128);
      // Groups 4Q + 0..3: elements 64Q + 0..15 (a low), +16..31 (b low), +32..47 (a high),
      // +48..63 (b high); their high bits at bits 0-1, 4-5, 2-3 and 6-7 of h.
      const __m512i v[4] = {
          _mm512_or_si512(Low4(a), _mm512_and_si512(_mm512_slli_epi16(h, 4), bits45)),
          _mm512_or_si512(Low4(b), _mm512_and_si512(h, bits45)),
          _mm512_or_si512(High4(a), _mm512_and_si512(_mm512_slli_epi16(h, 2), bits45)),
          _mm512_or_si512(High4(b), _mm512_and_si512(_mm512_srli_epi16(h, 2), bits45))};
      const int offset[4] = {0, 16, 32, 48};
      for (int g = 0; g < 4; ++g) {
        const int s = 4 * quarter + g;
        const __m512i scale = SpreadWords(s % 8, scales[s / 8]);
        for (int k = 0; k < kTokens; ++k) {
          const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[g],
                                                  Broadcast16(y[k]->qs + quarter * 64 + offset[g]));
          isum[k] = _mm512_dpwssd_epi32(isum[k], dot, scale);
        }
      }
    }
    const __m512 d = SpreadRowsF16(meta + 64);
    for (int k = 0; k < kTokens; ++k) {
      // 32 * sum over s of scale(r, s) * (sum of group s's activations), lanes 4r..4r+3.
      const __m512i group_terms =
          _mm512_add_epi32(_mm512_madd_epi16(scales[0], Broadcast16(y[k]->bsums)),
                           _mm512_madd_epi16(scales[1], Broadcast16(y[k]->bsums + 8)));
      const __m512i total =
          _mm512_sub_epi32(isum[k], _mm512_maskz_slli_epi32(kAllLanes, group_terms, 5));
      acc[k] = _mm512_fmadd_ps(ToFloat(total), _mm512_mul_ps(d, _mm512_set1_ps(y[k]->d)), acc[k]);
    }
  }
};

template <typename Format>
void DotKR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
            const void* r4_sums, float* out) {
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const auto* ysum = static_cast<const int16_t*>(r4_sums);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    PrefetchBytes(quants + (i + 2) * Format::kQuantBytes, Format::kQuantBytes);
    const BlockQ8_K* yi = y + i;
    const int16_t* si = ysum + i * 8;
    Format::template Superblock<1>(quants + i * Format::kQuantBytes, meta + i * Format::kMetaBytes,
                                   &yi, &si, &acc);
  }
  _mm_storeu_ps(out, RowSums(acc));
}

template <typename Format>
void GemmKR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
             size_t a_row_bytes, const void* r4_sums, size_t sums_stride, float* out,
             size_t out_stride) {
  __m512 acc[4];
  for (__m512& v : acc) v = _mm512_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const BlockQ8_K* y[4];
    const int16_t* ysum[4];
    for (int k = 0; k < 4; ++k) {
      y[k] = RowAt<BlockQ8_K>(a, a_row_bytes, k) + i;
      ysum[k] = RowAt<int16_t>(r4_sums, sums_stride, k) + i * 8;
    }
    Format::template Superblock<4>(quants + i * Format::kQuantBytes, meta + i * Format::kMetaBytes,
                                   y, ysum, acc);
  }
  for (int k = 0; k < 4; ++k) _mm_storeu_ps(out + k * out_stride, RowSums(acc[k]));
}

}  // namespace

DotR4Fn Avx512DotKR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_KR4:
      return DotKR4<Q4KFormat>;
    case WeightLayout::kQ6_KR4:
      return DotKR4<Q6KFormat>;
    default:
      return nullptr;
  }
}

GemmR4Fn Avx512GemmKR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_KR4:
      return GemmKR4<Q4KFormat>;
    case WeightLayout::kQ6_KR4:
      return GemmKR4<Q6KFormat>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/r4.h"
namespace inferno::ops {
DotR4Fn Avx512DotKR4(WeightLayout) { return nullptr; }
GemmR4Fn Avx512GemmKR4(WeightLayout) { return nullptr; }
}  // namespace inferno::ops
#endif
