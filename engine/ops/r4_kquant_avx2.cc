// AVX2 kernels for the Q4_K, Q5_K, Q6_K and IQ4_XS R4 layouts (engine/ops/repack.h), the bytes
// the AVX-512 kernels read (r4_kquant_avx512.cc; none for Q5_K yet), taken as two 256-bit
// halves: rows 0-1, then rows 2-3.
// Every 32-bit lane still ends up with one (row, sub-block) pair; without VNNI, vpmaddubsw's
// 16-bit pair sums are added in 16 bits while that stays exact, then widened by one vpmaddwd:
//   Q4_K: nibbles 0..15, eight chunks per sub-block: |sum| <= 8 * 2 * 15 * 128 = 30,720; the
//         vpmaddwd multiplies by the sub-block scale at the same time (scale in both halves of
//         the lane), so no vpmulld;
//   Q5_K: as Q4_K with a fifth bit, values 0..31: widened every four chunks (bound at Q5KFormat);
//   Q6_K: six bits 0..63, two chunks at a time: |sum| <= 2 * 2 * 63 * 128 = 32,256; widened,
//         offset by -32 × the group's activation sum and scaled by one vpmulld, as AVX-512 does.
//   IQ4_XS: AVX-512's table values + 128 would saturate vpmaddubsw; here the table gives the
//         signed values and the sign trick multiplies them, no activation sums needed.
//
// The decode (one token) and prompt (four tokens) kernels run the same per-token operations,
// so a token gives bit-identical results alone or inside a tile.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/r4.h"
#include "engine/ops/r4_avx2.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

inline __m256i Low4(__m256i v) { return _mm256_and_si256(v, _mm256_set1_epi8(0x0F)); }
inline __m256i High4(__m256i v) { return Low4(_mm256_srli_epi16(v, 4)); }
// 8 bytes at p -> 32-bit lanes, unsigned / signed.
inline __m256i U8x8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i I8x8(const uint8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// The F16 values of rows 2h and 2h+1 among the four at p: lanes 0-3 and 4-7.
inline __m256 SpreadRowsF16(const uint8_t* p, int h) {
  const __m128 v = _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m256i index =
      _mm256_setr_epi32(2 * h, 2 * h, 2 * h, 2 * h, 2 * h + 1, 2 * h + 1, 2 * h + 1, 2 * h + 1);
  return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(v), index);
}

// One superblock of a Q4_K group (kFifthBit false) or a Q5_K group against kTokens activation
// blocks: acc[k][h] += the partial sums of rows 2h, 2h+1 (lanes 4r'..4r'+3 for row 2h + r').
// Q5_K adds a fifth bit from the half's vector of high bits (bit m of a byte for chunk m, see
// repack.h), moved to bit 4. Its values 0..31 would overflow vpmaddubsw's 16-bit sums over
// eight chunks, so they are widened every four: |sum| <= 4 * 2 * 31 * 128 = 31,744.
template <bool kFifthBit>
struct K4Format {
  static constexpr size_t kQuantBytes = kFifthBit ? 640 : 512, kMetaBytes = 80;
  static constexpr int kChunksPerWidening = kFifthBit ? 4 : 8;
  using Act = R4Q8KForQ4K;
  static const Act* Acts(const void* r4_sums, int64_t) { return static_cast<const Act*>(r4_sums); }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys,
                         __m256 (*acc)[2]) {
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    for (int h = 0; h < 2; ++h) {
      __m256i isum[kTokens];
      for (int k = 0; k < kTokens; ++k) isum[k] = _mm256_setzero_si256();
      for (int e = 0; e < 2; ++e) {  // sub-blocks 4e..4e+3
        // Quants 4m.. of each sub-block: low nibbles of vector m, then high nibbles of m - 4.
        __m256i v[8];
        for (int m = 0; m < 4; ++m) {
          const __m256i bytes = Load(q + e * 256 + m * 64 + h * 32);
          v[m] = Low4(bytes);
          v[m + 4] = High4(bytes);
        }
        if constexpr (kFifthBit) {
          // In 16-bit lanes: bit m (chunk m) moves up to bit 4, bit m + 4 down; what crosses
          // into the other byte lands below bit 4 and is masked off.
          const __m256i high = Load(q + 512 + e * 64 + h * 32);
          for (int m = 0; m < 4; ++m) {
            v[m] = _mm256_or_si256(v[m], _mm256_and_si256(_mm256_slli_epi16(high, 4 - m), bit4));
            v[m + 4] =
                _mm256_or_si256(v[m + 4], _mm256_and_si256(_mm256_srli_epi16(high, m), bit4));
          }
        }
        // Scales as [e][r][k] bytes, each in both 16-bit halves of its lane for vpmaddwd.
        const __m256i s = U8x8(meta + 16 * e + 8 * h);
        const __m256i scale = _mm256_or_si256(s, _mm256_slli_epi32(s, 16));
        for (int k = 0; k < kTokens; ++k) {
          for (int m0 = 0; m0 < 8; m0 += kChunksPerWidening) {
            __m256i sum16 = _mm256_maddubs_epi16(v[m0], Broadcast16(ys[k]->qs[8 * e + m0]));
            for (int m = m0 + 1; m < m0 + kChunksPerWidening; ++m) {
              sum16 = _mm256_add_epi16(
                  sum16, _mm256_maddubs_epi16(v[m], Broadcast16(ys[k]->qs[8 * e + m])));
            }
            isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(sum16, scale));
          }
        }
      }
      // Mins as [r][j] bytes -> words 8r' + j for rows 2h, 2h+1; times the activation's sums
      // of sub-block j, in pairs: lanes 4r'..4r'+3 sum to row 2h + r''s min term.
      const __m256i mins = _mm256_cvtepu8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta + 32 + 16 * h)));
      const __m256 d = SpreadRowsF16(meta + 64, h), dmin = SpreadRowsF16(meta + 72, h);
      for (int k = 0; k < kTokens; ++k) {
        const __m256i min_terms = _mm256_madd_epi16(mins, Broadcast16(ys[k]->sum32));
        const __m256 yd = _mm256_set1_ps(ys[k]->d);
        acc[k][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]), _mm256_mul_ps(d, yd), acc[k][h]);
        acc[k][h] =
            _mm256_fnmadd_ps(_mm256_cvtepi32_ps(min_terms), _mm256_mul_ps(dmin, yd), acc[k][h]);
      }
    }
  }
};
using Q4KFormat = K4Format<false>;
using Q5KFormat = K4Format<true>;

// One superblock of a Q6_K group: value = d * scale * (q - 32) per group of 16, q six bits.
struct Q6KFormat {
  static constexpr size_t kQuantBytes = 768, kMetaBytes = 72;
  using Act = R4Q8KForQ6K;
  // After the row's R4Q8KForQ4K superblocks.
  static const Act* Acts(const void* r4_sums, int64_t superblocks) {
    return reinterpret_cast<const Act*>(static_cast<const uint8_t*>(r4_sums) +
                                        size_t(superblocks) * sizeof(R4Q8KForQ4K));
  }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys,
                         __m256 (*acc)[2]) {
    const __m256i bits45 = _mm256_set1_epi8(0x30);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; ++h) {
      __m256i isum[kTokens];
      for (int k = 0; k < kTokens; ++k) isum[k] = _mm256_setzero_si256();
      for (int a = 0; a < 4; ++a) {  // groups 4a..4a+3
        const uint8_t* p = q + a * 192 + h * 32;
        const __m256i n0 = Load(p), n1 = Load(p + 64), hb = Load(p + 128);
        // Quants 4m.. of each group: low bits in n0/n1's nibbles, high bits in hb (repack.h).
        const __m256i v[4] = {
            _mm256_or_si256(Low4(n0), _mm256_and_si256(_mm256_slli_epi16(hb, 4), bits45)),
            _mm256_or_si256(Low4(n1), _mm256_and_si256(hb, bits45)),
            _mm256_or_si256(High4(n0), _mm256_and_si256(_mm256_slli_epi16(hb, 2), bits45)),
            _mm256_or_si256(High4(n1), _mm256_and_si256(_mm256_srli_epi16(hb, 2), bits45))};
        // Signed scales as [a][r][k] bytes: lane 4r' + k is row 2h + r''s scale of group 4a + k.
        const __m256i scale = I8x8(meta + 16 * a + 8 * h);
        for (int k = 0; k < kTokens; ++k) {
          const int8_t(*y)[16] = ys[k]->qs + 4 * a;
          const __m256i s01 = _mm256_add_epi16(_mm256_maddubs_epi16(v[0], Broadcast16(y[0])),
                                               _mm256_maddubs_epi16(v[1], Broadcast16(y[1])));
          const __m256i s23 = _mm256_add_epi16(_mm256_maddubs_epi16(v[2], Broadcast16(y[2])),
                                               _mm256_maddubs_epi16(v[3], Broadcast16(y[3])));
          const __m256i raw = _mm256_add_epi32(
              Broadcast16(ys[k]->neg32_sum16 + 4 * a),
              _mm256_add_epi32(_mm256_madd_epi16(s01, ones), _mm256_madd_epi16(s23, ones)));
          isum[k] = _mm256_add_epi32(isum[k], _mm256_mullo_epi32(raw, scale));
        }
      }
      const __m256 d = SpreadRowsF16(meta + 64, h);
      for (int k = 0; k < kTokens; ++k) {
        acc[k][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]),
                                    _mm256_mul_ps(d, _mm256_set1_ps(ys[k]->d)), acc[k][h]);
      }
    }
  }
};

// One superblock of an IQ4_XS group: value = d * scale * table[q] per sub-block of 32, q four
// bits indexing the non-linear IQ4_NL table, scale six bits minus 32 (signed bytes in the meta).
// The quants sit as Q4_K's; a vpshufb turns each nibble into its signed table value, which the
// sign trick multiplies (|value| against y with the value's sign; |value| <= 127, so the pairs
// are exact), and the widening vpmaddwd applies the sub-block scale as for Q4_K. No activation
// sums are needed: the values are signed.
struct IQ4XSFormat {
  static constexpr size_t kQuantBytes = 512, kMetaBytes = 72;
  using Act = R4Q8KForQ4K;
  static const Act* Acts(const void* r4_sums, int64_t) { return static_cast<const Act*>(r4_sums); }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys,
                         __m256 (*acc)[2]) {
    const __m256i table = Broadcast16(kIQ4NLValues);
    __m256i isum[kTokens][2];
    for (int k = 0; k < kTokens; ++k) isum[k][0] = isum[k][1] = _mm256_setzero_si256();
    for (int e = 0; e < 2; ++e) {  // sub-blocks 4e..4e+3
      __m256i scale[2];
      for (int h = 0; h < 2; ++h) {
        // Signed scales as [e][r][k] bytes, each in both 16-bit halves of its lane.
        const __m256i s = I8x8(meta + 16 * e + 8 * h);
        scale[h] = _mm256_or_si256(_mm256_and_si256(s, _mm256_set1_epi32(0xFFFF)),
                                   _mm256_slli_epi32(s, 16));
      }
      // One chunk of both halves at a time, used at once by every token (as Q8_0): the
      // values and their magnitudes of a whole sub-block group would not fit in registers.
      for (int m = 0; m < 8; ++m) {
        __m256i v[2], mag[2];
        for (int h = 0; h < 2; ++h) {
          const __m256i bytes = Load(q + e * 256 + (m % 4) * 64 + h * 32);
          v[h] = _mm256_shuffle_epi8(table, m < 4 ? Low4(bytes) : High4(bytes));
          mag[h] = _mm256_abs_epi8(v[h]);
        }
        for (int k = 0; k < kTokens; ++k) {
          const __m256i y = Broadcast16(ys[k]->qs[8 * e + m]);
          for (int h = 0; h < 2; ++h) {
            const __m256i pairs = _mm256_maddubs_epi16(mag[h], _mm256_sign_epi8(y, v[h]));
            isum[k][h] = _mm256_add_epi32(isum[k][h], _mm256_madd_epi16(pairs, scale[h]));
          }
        }
      }
    }
    for (int h = 0; h < 2; ++h) {
      const __m256 d = SpreadRowsF16(meta + 64, h);
      for (int k = 0; k < kTokens; ++k) {
        acc[k][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k][h]),
                                    _mm256_mul_ps(d, _mm256_set1_ps(ys[k]->d)), acc[k][h]);
      }
    }
  }
};

template <typename Format>
void DotKR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
            float* out) {
  const int64_t superblocks = n / kQK_K;
  const typename Format::Act* ys = Format::Acts(r4_sums, superblocks);
  __m256 acc[1][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}};
  for (int64_t i = 0; i < superblocks; ++i) {
    PrefetchBytes(quants + (i + 2) * Format::kQuantBytes, Format::kQuantBytes);
    const typename Format::Act* yi = ys + i;
    Format::template Superblock<1>(quants + i * Format::kQuantBytes, meta + i * Format::kMetaBytes,
                                   &yi, acc);
  }
  StoreRowSums(acc[0], out);
}

template <typename Format>
void GemmKR4(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
             size_t sums_stride, float* out, size_t out_stride) {
  const int64_t superblocks = n / kQK_K;
  const typename Format::Act* rows[4];
  for (int k = 0; k < 4; ++k) {
    rows[k] = Format::Acts(RowAt<uint8_t>(r4_sums, sums_stride, k), superblocks);
  }
  for (int g = 0; g < groups; ++g) {
    const uint8_t* q = quants + g * superblocks * Format::kQuantBytes;
    const uint8_t* m = meta + g * superblocks * Format::kMetaBytes;
    __m256 acc[4][2];
    for (auto& a : acc) a[0] = a[1] = _mm256_setzero_ps();
    for (int64_t i = 0; i < superblocks; ++i) {
      PrefetchBytes(q + (i + 2) * Format::kQuantBytes, Format::kQuantBytes);
      const typename Format::Act* ys[4];
      for (int k = 0; k < 4; ++k) ys[k] = rows[k] + i;
      Format::template Superblock<4>(q + i * Format::kQuantBytes, m + i * Format::kMetaBytes, ys,
                                     acc);
    }
    for (int k = 0; k < 4; ++k) StoreRowSums(acc[k], out + k * out_stride + 4 * g);
  }
}

}  // namespace

R4Kernels Avx2KQuantR4Kernels(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_KR4:
      return {DotKR4<Q4KFormat>, GemmKR4<Q4KFormat>};
    case WeightLayout::kQ5_KR4:
      return {DotKR4<Q5KFormat>, GemmKR4<Q5KFormat>};
    case WeightLayout::kQ6_KR4:
      return {DotKR4<Q6KFormat>, GemmKR4<Q6KFormat>};
    case WeightLayout::kIQ4_XSR4:
      return {DotKR4<IQ4XSFormat>, GemmKR4<IQ4XSFormat>};
    default:
      return {};
  }
}

}  // namespace inferno::ops
#endif
