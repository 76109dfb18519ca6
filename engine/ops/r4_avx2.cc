// AVX2 kernels for the Q4_0 and Q8_0 R4 layouts (engine/ops/repack.h; Q4_K, Q5_K, Q6_K, IQ4_XS:
// r4_kquant_avx2.cc), the bytes the AVX-512 kernels read: a 64-byte vector holds 16 bytes of
// each of a group's four rows, so its two 256-bit halves hold rows 0-1 and rows 2-3, each row's
// 16 bytes being 4 bytes of each of four blocks. vpmaddubsw against the activation chunk
// broadcast to both 128-bit lanes leaves, per 16-bit lane pair, part of one (row, block) dot:
//   Q4_0: the unsigned nibbles (offset by -8 × the block's activation sum); without VNNI the
//         16-bit sums are kept across the superblock's eight chunks (exact: |sum| <= 8 * 2 * 15
//         * 128 = 30,720) and widened once: 8 vpmaddubsw, 7 vpaddw, 1 vpmaddwd per superblock
//         of two rows;
//   Q8_0: the stored bytes are q + 128, which would saturate vpmaddubsw, so the signed q come
//         back (xor 0x80) for the sign trick (|q| against y with q's sign), widened per chunk.
// Then one conversion and one FMA for eight (row, block) pairs, against a conversion and an
// FMA per block and row in the row-major tile (rows4_avx2.h).
//
// Decode (DotR4) and the four-token tile (GemmR4) run the same per-token sequence, so a token
// gets the same bits from either.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/r4_avx2.h"

#include "engine/ops/r4.h"
#include "engine/ops/simd_x86.h"

namespace inferno::ops {
namespace {

// The 8 F16 scales of rows 2h, 2h+1 of a superblock: lane 4r' + j for row 2h + r', block j.
inline __m256 LoadScales(const uint16_t* superblock_scales, int h) {
  return _mm256_cvtph_ps(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(superblock_scales + 8 * h)));
}

// How each format's superblock is dotted: Dots<K> leaves in dot[k][h] the exact (row, block)
// dots of rows 2h, 2h+1 with token k's superblock ys[k]. Each format orders its loops for AVX2's
// 16 vector registers (measured with kernel_bench's MatMulPrompt, one thread).
struct Q4_0Format {
  static constexpr int64_t kSuperblockBytes = 256;
  // The whole superblock is unpacked first (w[c][h]: the operand of activation chunk c for rows
  // 2h, 2h+1; bytes v * 64 + h * 32 hold chunk v in their low nibbles, chunk 4 + v in their
  // high ones; the 16 vectors live on the stack), then each token takes its turn: one
  // vpmaddubsw (its weight operand read from the stack) and one vpaddw per chunk and half.
  // Unpacking a chunk at a time for all tokens, as Q8_0 does, measured 4% slower.
  template <int K>
  static void Dots(const uint8_t* q, const R4Q8Superblock* const ys[K], __m256i dot[K][2]) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256i w[8][2];
    for (int v = 0; v < 4; ++v) {
      for (int h = 0; h < 2; ++h) {
        const __m256i bytes = Load(q + v * 64 + h * 32);
        w[v][h] = _mm256_and_si256(bytes, low4);
        w[4 + v][h] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
      }
    }
    const __m256i ones = _mm256_set1_epi16(1);
    for (int k = 0; k < K; ++k) {
      __m256i sum16[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      for (int c = 0; c < 8; ++c) {
        const __m256i yc = Broadcast16(ys[k]->qs[c]);
        for (int h = 0; h < 2; ++h)
          sum16[h] = _mm256_add_epi16(sum16[h], _mm256_maddubs_epi16(w[c][h], yc));
      }
      const __m256i offsets = Broadcast16(ys[k]->neg8_sum);  // nibble q stands for q - 8
      for (int h = 0; h < 2; ++h)
        dot[k][h] = _mm256_add_epi32(_mm256_madd_epi16(sum16[h], ones), offsets);
    }
  }
};
struct Q8_0Format {
  static constexpr int64_t kSuperblockBytes = 512;
  // One chunk of both halves at a time (signed quants and magnitudes: 4 vectors), used at once
  // by the K tokens, each loading its activation chunk once: with the K x 2 sums that fills the
  // 16 registers. Unpacking the whole superblock first (32 vectors, on the stack) measured 20%
  // slower.
  template <int K>
  static void Dots(const uint8_t* q, const R4Q8Superblock* const ys[K], __m256i dot[K][2]) {
    const __m256i bias = _mm256_set1_epi8(char(0x80));
    const __m256i ones = _mm256_set1_epi16(1);
    for (int k = 0; k < K; ++k) dot[k][0] = dot[k][1] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      __m256i w[2], magnitude[2];
      for (int h = 0; h < 2; ++h) {
        w[h] = _mm256_xor_si256(Load(q + c * 64 + h * 32), bias);  // signed quants
        magnitude[h] = _mm256_abs_epi8(w[h]);
      }
      for (int k = 0; k < K; ++k) {
        const __m256i yc = Broadcast16(ys[k]->qs[c]);
        for (int h = 0; h < 2; ++h) {
          const __m256i pairs = _mm256_maddubs_epi16(magnitude[h], _mm256_sign_epi8(yc, w[h]));
          dot[k][h] = _mm256_add_epi32(dot[k][h], _mm256_madd_epi16(pairs, ones));
        }
      }
    }
  }
};

// acc[k][h] += the (row, block) dots of rows 2h, 2h+1 with token k's superblock, scaled by the
// product of the two scales; decode (K = 1) and the tile (K = 4) run the same sequence per
// token, so a token gets the same bits from either.
template <typename Format, int K>
inline void Accumulate(const uint8_t* q, const uint16_t* superblock_scales,
                       const R4Q8Superblock* const ys[K], __m256 acc[K][2]) {
  __m256i dot[K][2];
  Format::template Dots<K>(q, ys, dot);
  const __m256 dx[2] = {LoadScales(superblock_scales, 0), LoadScales(superblock_scales, 1)};
  for (int k = 0; k < K; ++k) {
    const __m256 dy = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(ys[k]->d));
    for (int h = 0; h < 2; ++h) {
      acc[k][h] =
          _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[k][h]), _mm256_mul_ps(dx[h], dy), acc[k][h]);
    }
  }
}

// K tokens (rows of r4_sums sums_stride bytes apart) against one group.
template <typename Format, int K>
void GroupDots(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* r4_sums,
               size_t sums_stride, float* out, size_t out_stride) {
  const R4Q8Superblock* y[K];
  for (int k = 0; k < K; ++k) y[k] = RowAt<R4Q8Superblock>(r4_sums, sums_stride, k);
  __m256 acc[K][2];
  for (auto& a : acc) a[0] = a[1] = _mm256_setzero_ps();
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * Format::kSuperblockBytes;
    PrefetchBytes(q + 4 * Format::kSuperblockBytes, Format::kSuperblockBytes);
    const R4Q8Superblock* ys[K];
    for (int k = 0; k < K; ++k) ys[k] = y[k] + s;
    Accumulate<Format, K>(q, scales + s * 16, ys, acc);
  }
  for (int k = 0; k < K; ++k) StoreRowSums(acc[k], out + k * out_stride);
}

template <typename Format>
void DotR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums, float* out) {
  GroupDots<Format, 1>(n, quants, reinterpret_cast<const uint16_t*>(meta), r4_sums, 0, out, 0);
}

template <typename Format>
void GemmR4(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
            size_t sums_stride, float* out, size_t out_stride) {
  const size_t group_quants = size_t(n / 128) * Format::kSuperblockBytes;
  const size_t group_scales = size_t(n / 128) * 16;
  for (int g = 0; g < groups; ++g) {
    GroupDots<Format, 4>(n, quants + g * group_quants,
                         reinterpret_cast<const uint16_t*>(meta) + g * group_scales, r4_sums,
                         sums_stride, out + g * 4, out_stride);
  }
}

}  // namespace

R4Kernels Avx2R4Kernels(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return {DotR4<Q4_0Format>, GemmR4<Q4_0Format>};
    case WeightLayout::kQ8_0R4:
      return {DotR4<Q8_0Format>, GemmR4<Q8_0Format>};
    default:
      return Avx2KQuantR4Kernels(layout);
  }
}

}  // namespace inferno::ops
#endif
