// AVX2 kernels for the Q4_0 and Q8_0 R4 layouts (engine/ops/repack.h; Q4_K, Q6_K, IQ4_XS:
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

// How each format's superblock is unpacked and dotted (see repack.h and r4.h).
struct Q4_0Format {
  static constexpr int64_t kSuperblockBytes = 256;
  // w[c][h]: the operand of activation chunk c for rows 2h, 2h+1: low nibbles are elements
  // 4v.. (chunk v), high nibbles elements 16 + 4v.. (chunk 4 + v).
  struct Weights {
    __m256i w[8][2];
    explicit Weights(const uint8_t* q) {
      const __m256i low4 = _mm256_set1_epi8(0x0F);
      for (int v = 0; v < 4; ++v) {
        for (int h = 0; h < 2; ++h) {
          const __m256i bytes = Load(q + v * 64 + h * 32);
          w[v][h] = _mm256_and_si256(bytes, low4);
          w[4 + v][h] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
        }
      }
    }
  };
  // The exact (row, block) dots of rows 2h, 2h+1 with one activation superblock.
  static void Dots(const Weights& wq, const R4Q8Superblock& y, __m256i dot[2]) {
    __m256i sum16[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int c = 0; c < 8; ++c) {
      const __m256i yc = Broadcast16(y.qs[c]);
      for (int h = 0; h < 2; ++h) {
        sum16[h] = _mm256_add_epi16(sum16[h], _mm256_maddubs_epi16(wq.w[c][h], yc));
      }
    }
    const __m256i offsets = Broadcast16(y.neg8_sum);  // nibble q stands for q - 8
    const __m256i ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; ++h)
      dot[h] = _mm256_add_epi32(_mm256_madd_epi16(sum16[h], ones), offsets);
  }
};
struct Q8_0Format {
  static constexpr int64_t kSuperblockBytes = 512;
  // The signed quants of chunk c for rows 2h, 2h+1, and their magnitudes.
  struct Weights {
    __m256i q[8][2], abs[8][2];
    explicit Weights(const uint8_t* p) {
      const __m256i bias = _mm256_set1_epi8(char(0x80));
      for (int c = 0; c < 8; ++c) {
        for (int h = 0; h < 2; ++h) {
          q[c][h] = _mm256_xor_si256(Load(p + c * 64 + h * 32), bias);
          abs[c][h] = _mm256_abs_epi8(q[c][h]);
        }
      }
    }
  };
  static void Dots(const Weights& wq, const R4Q8Superblock& y, __m256i dot[2]) {
    const __m256i ones = _mm256_set1_epi16(1);
    dot[0] = dot[1] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      const __m256i yc = Broadcast16(y.qs[c]);
      for (int h = 0; h < 2; ++h) {
        const __m256i pairs = _mm256_maddubs_epi16(wq.abs[c][h], _mm256_sign_epi8(yc, wq.q[c][h]));
        dot[h] = _mm256_add_epi32(dot[h], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
};

// acc[h] += the eight (row, block) dots of rows 2h, 2h+1 with one activation superblock,
// scaled by the product of the two scales.
template <typename Format>
inline void Accumulate(const typename Format::Weights& w, const __m256 dx[2],
                       const R4Q8Superblock& y, __m256 acc[2]) {
  __m256i dot[2];
  Format::Dots(w, y, dot);
  const __m256 dy = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(y.d));
  for (int h = 0; h < 2; ++h) {
    acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[h]), _mm256_mul_ps(dx[h], dy), acc[h]);
  }
}

template <typename Format>
void DotR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums, float* out) {
  const auto* scales = reinterpret_cast<const uint16_t*>(meta);
  const auto* y = static_cast<const R4Q8Superblock*>(r4_sums);
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * Format::kSuperblockBytes;
    PrefetchBytes(q + 4 * Format::kSuperblockBytes, Format::kSuperblockBytes);
    const typename Format::Weights w(q);
    const __m256 dx[2] = {LoadScales(scales + s * 16, 0), LoadScales(scales + s * 16, 1)};
    Accumulate<Format>(w, dx, y[s], acc);
  }
  StoreRowSums(acc, out);
}

// Four tokens against one group, each superblock unpacked once for the four.
template <typename Format>
void GemmGroup(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* r4_sums,
               size_t sums_stride, float* out, size_t out_stride) {
  const R4Q8Superblock* y[4];
  for (int k = 0; k < 4; ++k) y[k] = RowAt<R4Q8Superblock>(r4_sums, sums_stride, k);
  __m256 acc[4][2];
  for (auto& a : acc) a[0] = a[1] = _mm256_setzero_ps();
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * Format::kSuperblockBytes;
    PrefetchBytes(q + 4 * Format::kSuperblockBytes, Format::kSuperblockBytes);
    const typename Format::Weights w(q);
    const __m256 dx[2] = {LoadScales(scales + s * 16, 0), LoadScales(scales + s * 16, 1)};
    for (int k = 0; k < 4; ++k) Accumulate<Format>(w, dx, y[k][s], acc[k]);
  }
  for (int k = 0; k < 4; ++k) StoreRowSums(acc[k], out + k * out_stride);
}

template <typename Format>
void GemmR4(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
            size_t sums_stride, float* out, size_t out_stride) {
  const size_t group_quants = size_t(n / 128) * Format::kSuperblockBytes;
  const size_t group_scales = size_t(n / 128) * 16;
  for (int g = 0; g < groups; ++g) {
    GemmGroup<Format>(n, quants + g * group_quants,
                      reinterpret_cast<const uint16_t*>(meta) + g * group_scales, r4_sums,
                      sums_stride, out + g * 4, out_stride);
  }
}

}  // namespace

DotR4Fn Avx2DotR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return DotR4<Q4_0Format>;
    case WeightLayout::kQ8_0R4:
      return DotR4<Q8_0Format>;
    default:
      return Avx2DotKR4(layout);
  }
}

GemmR4Fn Avx2GemmR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return GemmR4<Q4_0Format>;
    case WeightLayout::kQ8_0R4:
      return GemmR4<Q8_0Format>;
    default:
      return Avx2GemmKR4(layout);
  }
}

}  // namespace inferno::ops
#endif
