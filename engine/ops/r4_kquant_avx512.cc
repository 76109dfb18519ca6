// AVX-512 VNNI kernels for the Q4_K, Q6_K and IQ4_XS R4 layouts (engine/ops/repack.h) against Q8_K
// activations' interleaved copies (R4Q8KForQ4K, R4Q8KForQ6K). As for Q4_0/Q8_0, every 32-bit
// lane of a vpdpbusd accumulates one (row, sub-block) pair — eight 512-bit vpdpbusd give the
// exact integer dots of four sub-blocks of four rows (Q4_K; four for Q6_K's groups of 16,
// started at -32 × the group's activation sum) — and one vpmulld applies the sub-block scales
// (unpacked to bytes at load). One FMA per superblock applies d, another Q4_K's mins through
// the activation's 32-element sums.
//
// The decode (one token) and prompt (four tokens) kernels run the same per-token operations,
// so a token gives bit-identical results alone or inside a tile.
#if defined(__x86_64__) || defined(__i386__)
#include <array>

#include "engine/ops/r4.h"
#include "engine/ops/simd_avx512.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// The four rows' F16 values at p spread as lane l -> value l/4.
inline __m512 SpreadRowsF16(const uint8_t* p) {
  const __m128 v = _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m512i index =
      _mm512_srli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 2);
  return _mm512_maskz_permutexvar_ps(kAllLanes, index, _mm512_zextps128_ps512(v));
}

inline __m512i Low4(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
inline __m512i High4(__m512i v) { return Low4(_mm512_srli_epi16(v, 4)); }

// Q4_K and IQ4_XS: isum[k] += scale × the exact integer dots of sub-blocks 4e..4e+3 of the four
// rows (lane 4r + k': row r, sub-block 4e + k'), v[m] holding quants 4m.. of each sub-block (m
// < 4: its first 16, m >= 4: the next 16), against token k's interleaved activation chunks.
template <int kTokens>
inline void AddScaledSubBlockDots(const __m512i (&v)[8], __m512i scale, int e,
                                  const R4Q8KForQ4K* const* ys, __m512i* isum) {
  for (int k = 0; k < kTokens; ++k) {
    // Two dependency chains: a lone decode token has nothing else to overlap with.
    __m512i dot[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
    for (int m = 0; m < 8; ++m) {
      dot[m % 2] = _mm512_dpbusd_epi32(dot[m % 2], v[m], Broadcast16(ys[k]->qs[8 * e + m]));
    }
    isum[k] =
        _mm512_add_epi32(isum[k], _mm512_mullo_epi32(_mm512_add_epi32(dot[0], dot[1]), scale));
  }
}

// One superblock of a Q4_K group against kTokens activation blocks (y[k], their sums and
// interleaved quants in ys[k]): acc[k] += the four rows' partial sums (lanes 4r..4r+3 for row
// r). Each 32-bit lane of a vpdpbusd holds one (row, sub-block) pair: eight of them give the
// exact integer dot of four sub-blocks, which one vpmulld scales.
struct Q4KFormat {
  static constexpr size_t kQuantBytes = 512, kMetaBytes = 80;
  using Act = R4Q8KForQ4K;
  static const Act* Acts(const void* r4_sums, int64_t) { return static_cast<const Act*>(r4_sums); }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys, __m512* acc) {
    __m512i isum[kTokens];
    for (int k = 0; k < kTokens; ++k) isum[k] = _mm512_setzero_si512();
    for (int e = 0; e < 2; ++e) {  // sub-blocks 4e..4e+3
      // Quants 4m.. of each sub-block: low nibbles of vector m, then high nibbles of m - 4.
      __m512i v[8];
      for (int m = 0; m < 4; ++m) {
        const __m512i bytes = _mm512_loadu_si512(q + e * 256 + m * 64);
        v[m] = Low4(bytes);
        v[m + 4] = High4(bytes);
      }
      // Scales as [e][r][k] bytes: lane 4r + k is row r's scale of sub-block 4e + k.
      const __m512i scale = _mm512_maskz_cvtepu8_epi32(
          kAllLanes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta + 16 * e)));
      AddScaledSubBlockDots<kTokens>(v, scale, e, ys, isum);
    }
    // Mins as [r][j] bytes -> words 8r + j; times the activation's sums of sub-block j
    // (repeated for every row), in pairs: lanes 4r..4r+3 sum to row r's min term.
    const __m512i mins =
        _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta + 32)));
    const __m512 d = SpreadRowsF16(meta + 64), dmin = SpreadRowsF16(meta + 72);
    for (int k = 0; k < kTokens; ++k) {
      const __m512i min_terms = _mm512_madd_epi16(mins, Broadcast16(ys[k]->sum32));
      const __m512 yd = _mm512_set1_ps(ys[k]->d);
      acc[k] = _mm512_fmadd_ps(ToFloat(isum[k]), _mm512_mul_ps(d, yd), acc[k]);
      acc[k] = _mm512_fnmadd_ps(ToFloat(min_terms), _mm512_mul_ps(dmin, yd), acc[k]);
    }
  }
};

// One superblock of a Q6_K group: value = d * scale * (q - 32) per group of 16, q six bits.
// Each 32-bit lane of a vpdpbusd holds one (row, group) pair: starting from -32 times the
// group's activation sum, four of them give the exact integer dot of the group, which one
// vpmulld scales.
struct Q6KFormat {
  static constexpr size_t kQuantBytes = 768, kMetaBytes = 72;
  using Act = R4Q8KForQ6K;
  // After the row's R4Q8KForQ4K superblocks.
  static const Act* Acts(const void* r4_sums, int64_t superblocks) {
    return reinterpret_cast<const Act*>(static_cast<const uint8_t*>(r4_sums) +
                                        size_t(superblocks) * sizeof(R4Q8KForQ4K));
  }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys, __m512* acc) {
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    __m512i isum[kTokens];
    for (int k = 0; k < kTokens; ++k) isum[k] = _mm512_setzero_si512();
    for (int a = 0; a < 4; ++a) {  // groups 4a..4a+3
      const uint8_t* p = q + a * 192;
      const __m512i n0 = _mm512_loadu_si512(p), n1 = _mm512_loadu_si512(p + 64);
      const __m512i h = _mm512_loadu_si512(p + 128);
      // Quants 4m.. of each group: low bits in n0/n1's nibbles, high bits in h (repack.h).
      const __m512i v[4] = {
          _mm512_or_si512(Low4(n0), _mm512_and_si512(_mm512_slli_epi16(h, 4), bits45)),
          _mm512_or_si512(Low4(n1), _mm512_and_si512(h, bits45)),
          _mm512_or_si512(High4(n0), _mm512_and_si512(_mm512_slli_epi16(h, 2), bits45)),
          _mm512_or_si512(High4(n1), _mm512_and_si512(_mm512_srli_epi16(h, 2), bits45))};
      // Signed scales as [a][r][k] bytes: lane 4r + k is row r's scale of group 4a + k.
      const __m512i scale = _mm512_maskz_cvtepi8_epi32(
          kAllLanes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta + 16 * a)));
      for (int k = 0; k < kTokens; ++k) {
        // Two dependency chains: a lone decode token has nothing else to overlap with.
        __m512i dot[2] = {Broadcast16(ys[k]->neg32_sum16 + 4 * a), _mm512_setzero_si512()};
        for (int m = 0; m < 4; ++m) {
          dot[m % 2] = _mm512_dpbusd_epi32(dot[m % 2], v[m], Broadcast16(ys[k]->qs[4 * a + m]));
        }
        isum[k] =
            _mm512_add_epi32(isum[k], _mm512_mullo_epi32(_mm512_add_epi32(dot[0], dot[1]), scale));
      }
    }
    const __m512 d = SpreadRowsF16(meta + 64);
    for (int k = 0; k < kTokens; ++k) {
      acc[k] =
          _mm512_fmadd_ps(ToFloat(isum[k]), _mm512_mul_ps(d, _mm512_set1_ps(ys[k]->d)), acc[k]);
    }
  }
};

// One superblock of an IQ4_XS group: value = d * scale * table[q] per sub-block of 32, q four
// bits indexing the non-linear IQ4_NL table, scale six bits minus 32. The quants sit as Q4_K's
// (repack.h); a vpshufb turns each nibble into its table value + 128 (1..241, unsigned for
// vpdpbusd), and the 128 * sum(y) this adds is taken back once per superblock through the
// activation's 32-element sums, as Q4_K's mins are.
struct IQ4XSFormat {
  static constexpr size_t kQuantBytes = 512, kMetaBytes = 72;
  using Act = R4Q8KForQ4K;
  static const Act* Acts(const void* r4_sums, int64_t) { return static_cast<const Act*>(r4_sums); }

  template <int kTokens>
  static void Superblock(const uint8_t* q, const uint8_t* meta, const Act* const* ys, __m512* acc) {
    const __m512i table = Broadcast16(kTable.data());
    __m512i isum[kTokens];
    for (int k = 0; k < kTokens; ++k) isum[k] = _mm512_setzero_si512();
    for (int e = 0; e < 2; ++e) {  // sub-blocks 4e..4e+3
      __m512i v[8];
      for (int m = 0; m < 4; ++m) {
        const __m512i bytes = _mm512_loadu_si512(q + e * 256 + m * 64);
        v[m] = _mm512_shuffle_epi8(table, Low4(bytes));
        v[m + 4] = _mm512_shuffle_epi8(table, High4(bytes));
      }
      // Signed scales as [e][r][k] bytes: lane 4r + k is row r's scale of sub-block 4e + k.
      const __m512i scale = _mm512_maskz_cvtepi8_epi32(
          kAllLanes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(meta + 16 * e)));
      AddScaledSubBlockDots<kTokens>(v, scale, e, ys, isum);
    }
    // The scales again as [r][j] bytes -> words 8r + j, times the activation's sums of
    // sub-block j: lanes 4r..4r+3 sum to row r's sum(scale * sum32), 128 of which go back.
    const __m512i scales =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta + 32)));
    const __m512 d = SpreadRowsF16(meta + 64);
    for (int k = 0; k < kTokens; ++k) {
      const __m512i offset = _mm512_madd_epi16(scales, Broadcast16(ys[k]->sum32));
      const __m512i exact =
          _mm512_sub_epi32(isum[k], _mm512_maskz_slli_epi32(kAllLanes, offset, 7));
      acc[k] = _mm512_fmadd_ps(ToFloat(exact), _mm512_mul_ps(d, _mm512_set1_ps(ys[k]->d)), acc[k]);
    }
  }

 private:
  // The IQ4_NL table + 128.
  static constexpr std::array<uint8_t, 16> kTable = [] {
    std::array<uint8_t, 16> t{};
    for (int i = 0; i < 16; ++i) t[size_t(i)] = uint8_t(kIQ4NLValues[i] + 128);
    return t;
  }();
};

template <typename Format>
void DotKR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
            float* out) {
  const int64_t superblocks = n / kQK_K;
  const typename Format::Act* ys = Format::Acts(r4_sums, superblocks);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < superblocks; ++i) {
    PrefetchBytes(quants + (i + 2) * Format::kQuantBytes, Format::kQuantBytes);
    const typename Format::Act* yi = ys + i;
    Format::template Superblock<1>(quants + i * Format::kQuantBytes, meta + i * Format::kMetaBytes,
                                   &yi, &acc);
  }
  _mm_storeu_ps(out, RowSums(acc));
}

// Groups one after the other (K-quant groups do not share activation loads yet).
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
    __m512 acc[4];
    for (__m512& v : acc) v = _mm512_setzero_ps();
    for (int64_t i = 0; i < superblocks; ++i) {
      // Batched decode (a few tokens) streams the weights from memory like decode does.
      PrefetchBytes(q + (i + 2) * Format::kQuantBytes, Format::kQuantBytes);
      const typename Format::Act* ys[4];
      for (int k = 0; k < 4; ++k) ys[k] = rows[k] + i;
      Format::template Superblock<4>(q + i * Format::kQuantBytes, m + i * Format::kMetaBytes, ys,
                                     acc);
    }
    for (int k = 0; k < 4; ++k) _mm_storeu_ps(out + k * out_stride + 4 * g, RowSums(acc[k]));
  }
}

}  // namespace

R4Kernels Avx512KQuantR4Kernels(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_KR4:
      return {DotKR4<Q4KFormat>, GemmKR4<Q4KFormat>};
    case WeightLayout::kQ6_KR4:
      return {DotKR4<Q6KFormat>, GemmKR4<Q6KFormat>};
    case WeightLayout::kIQ4_XSR4:
      return {DotKR4<IQ4XSFormat>, GemmKR4<IQ4XSFormat>};
    default:
      return {};
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/r4.h"
namespace inferno::ops {
R4Kernels Avx512KQuantR4Kernels(WeightLayout) { return {}; }
}  // namespace inferno::ops
#endif
