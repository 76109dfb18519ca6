// AVX2 kernels for the Q4_0 R4 layout (Q4_K and Q6_K: r4_kquant_avx2.cc) (engine/ops/repack.h), the
// same bytes the AVX-512 kernels read: a 64-byte vector holds 16 bytes of each of a group's four
// rows, so its two 256-bit halves hold rows 0-1 and rows 2-3, each row's 16 bytes being 4 bytes of
// each of four blocks. vpmaddubsw of the unsigned nibbles against the activation chunk broadcast to
// both 128-bit lanes leaves, per 16-bit lane pair, part of one (row, block) dot; without
// VNNI the 16-bit sums are kept across the superblock's eight chunks (exact: |sum| <= 8 * 2 *
// 15 * 128 = 30,720 < 2^15) and widened once, so a superblock of two rows costs 8 vpmaddubsw,
// 7 vpaddw, 1 vpmaddwd, then one conversion and one FMA for its eight (row, block) pairs —
// against the row-major tile's sign trick, vpmaddubsw, vpmaddwd, conversion and FMA per block
// and row (rows4_avx2.h).
//
// Decode (DotR4) and the four-token tile (GemmR4) run the same per-token sequence, so a token
// gets the same bits from either.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/r4.h"
#include "engine/ops/simd_x86.h"

namespace inferno::ops {
namespace {

inline __m256i Broadcast16(const void* p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}

// The 8 F16 scales of rows 2h, 2h+1 of a superblock: lane 4r' + j for row 2h + r', block j.
inline __m256 LoadScales(const uint16_t* superblock_scales, int h) {
  return _mm256_cvtph_ps(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(superblock_scales + 8 * h)));
}

// The Q4_0 superblock's 16 unsigned nibble vectors: w[c][h] is the operand of activation
// chunk c (low nibbles are elements 4v.., chunk v; high nibbles elements 16 + 4v.., chunk
// 4 + v) for rows 2h, 2h+1.
struct Q4_0Weights {
  __m256i w[8][2];
  explicit Q4_0Weights(const uint8_t* q) {
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

// acc[h] += the eight (row, block) dots of rows 2h, 2h+1 with one activation superblock,
// scaled by the product of the two scales.
inline void Accumulate(const Q4_0Weights& wq, const __m256 dx[2], const R4Q8Superblock& y,
                       __m256 acc[2]) {
  __m256i sum16[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
  for (int c = 0; c < 8; ++c) {
    const __m256i yc = Broadcast16(y.qs[c]);
    for (int h = 0; h < 2; ++h)
      sum16[h] = _mm256_add_epi16(sum16[h], _mm256_maddubs_epi16(wq.w[c][h], yc));
  }
  const __m256i offsets = Broadcast16(y.neg8_sum);  // nibble q stands for q - 8
  const __m256 dy = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(y.d));
  const __m256i ones = _mm256_set1_epi16(1);
  for (int h = 0; h < 2; ++h) {
    const __m256i dot = _mm256_add_epi32(_mm256_madd_epi16(sum16[h], ones), offsets);
    acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dx[h], dy), acc[h]);
  }
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

void DotR4Q4_0(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
               float* out) {
  const auto* scales = reinterpret_cast<const uint16_t*>(meta);
  const auto* y = static_cast<const R4Q8Superblock*>(r4_sums);
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * 256;
    PrefetchBytes(q + 4 * 256, 256);
    const Q4_0Weights w(q);
    const __m256 dx[2] = {LoadScales(scales + s * 16, 0), LoadScales(scales + s * 16, 1)};
    Accumulate(w, dx, y[s], acc);
  }
  StoreRowSums(acc, out);
}

// Four tokens against one group, each superblock unpacked once for the four.
void GemmGroupQ4_0(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* r4_sums,
                   size_t sums_stride, float* out, size_t out_stride) {
  const R4Q8Superblock* y[4];
  for (int k = 0; k < 4; ++k) y[k] = RowAt<R4Q8Superblock>(r4_sums, sums_stride, k);
  __m256 acc[4][2];
  for (auto& a : acc) a[0] = a[1] = _mm256_setzero_ps();
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * 256;
    PrefetchBytes(q + 4 * 256, 256);
    const Q4_0Weights w(q);
    const __m256 dx[2] = {LoadScales(scales + s * 16, 0), LoadScales(scales + s * 16, 1)};
    for (int k = 0; k < 4; ++k) Accumulate(w, dx, y[k][s], acc[k]);
  }
  for (int k = 0; k < 4; ++k) StoreRowSums(acc[k], out + k * out_stride);
}

void GemmR4Q4_0(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta,
                const void* r4_sums, size_t sums_stride, float* out, size_t out_stride) {
  const size_t group_quants = size_t(n / 128) * 256;
  const size_t group_scales = size_t(n / 128) * 16;
  for (int g = 0; g < groups; ++g) {
    GemmGroupQ4_0(n, quants + g * group_quants,
                  reinterpret_cast<const uint16_t*>(meta) + g * group_scales, r4_sums, sums_stride,
                  out + g * 4, out_stride);
  }
}

}  // namespace

DotR4Fn Avx2DotR4(WeightLayout layout) {
  return layout == WeightLayout::kQ4_0R4 ? DotR4Q4_0 : Avx2DotKR4(layout);
}

GemmR4Fn Avx2GemmR4(WeightLayout layout) {
  return layout == WeightLayout::kQ4_0R4 ? GemmR4Q4_0 : Avx2GemmKR4(layout);
}

}  // namespace inferno::ops
#endif
