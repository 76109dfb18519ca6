// AVX-512 VNNI kernels for the Q4_0 and Q8_0 R4 layouts. A superblock (128 columns of four
// rows) is four (Q4_0, each split into two nibble halves) or eight (Q8_0) 512-bit loads and
// eight vpdpbusd against the interleaved activations broadcast to every row's lane; every
// 32-bit lane then holds the exact integer dot of one (row, block) pair, so one conversion
// and one FMA with the product of the two scales finish the superblock — against
// about 14 instructions per block and row in the row-major kernels (vec_dot_avx512.cc).
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/r4.h"
#include "engine/ops/simd_avx512.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// The 16 F16 scales of a superblock of four rows, lane 4r + j for row r, block j.
inline __m512 LoadScales(const uint16_t* p) {
  return _mm512_maskz_cvtph_ps(kAllLanes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// How each format's superblock is unpacked and offset (see repack.h and r4.h).
struct Q4_0Format {
  static constexpr int64_t kSuperblockBytes = 256;
  // nibble q stands for q - 8
  static const int32_t* Offsets(const R4Q8Superblock& y) { return y.neg8_sum; }
  // The eight 64-byte operands of the superblock's vpdpbusd, in activation chunk order:
  // low nibbles are elements 4v.. (chunk v), high nibbles elements 16 + 4v.. (chunk 4 + v).
  static void Unpack(const uint8_t* q, __m512i w[8]) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (int v = 0; v < 4; ++v) {
      const __m512i bytes = _mm512_loadu_si512(q + v * 64);
      w[v] = _mm512_and_si512(bytes, low4);
      w[4 + v] = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), low4);
    }
  }
};
struct Q8_0Format {
  static constexpr int64_t kSuperblockBytes = 512;
  // byte q stands for q - 128
  static const int32_t* Offsets(const R4Q8Superblock& y) { return y.neg128_sum; }
  static void Unpack(const uint8_t* q, __m512i w[8]) {
    for (int c = 0; c < 8; ++c) w[c] = _mm512_loadu_si512(q + c * 64);
  }
};

// acc[g] += the superblock's 16 (row, block) dots of group g with one activation superblock,
// scaled; the activation loads are shared by the kGroups groups.
template <typename Format, int kGroups>
inline void Accumulate(const __m512i (*w)[8], const __m512* dx, const R4Q8Superblock& y,
                       __m512* acc) {
  // Two dependency chains per group: a lone decode token has nothing else to overlap with.
  __m512i dots[kGroups][2];
  for (int g = 0; g < kGroups; ++g) {
    dots[g][0] = Broadcast16(Format::Offsets(y));
    dots[g][1] = _mm512_setzero_si512();
  }
  for (int c = 0; c < 8; ++c) {
    const __m512i yc = Broadcast16(y.qs[c]);
    for (int g = 0; g < kGroups; ++g) {
      dots[g][c % 2] = _mm512_dpbusd_epi32(dots[g][c % 2], w[g][c], yc);
    }
  }
  const __m512 dy = _mm512_maskz_broadcast_f32x4(kAllLanes, _mm_loadu_ps(y.d));
  for (int g = 0; g < kGroups; ++g) {
    const __m512i dot = _mm512_add_epi32(dots[g][0], dots[g][1]);
    acc[g] = _mm512_fmadd_ps(ToFloat(dot), _mm512_mul_ps(dx[g], dy), acc[g]);
  }
}

template <typename Format>
void DotR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums, float* out) {
  const auto* scales = reinterpret_cast<const uint16_t*>(meta);
  const auto* y = static_cast<const R4Q8Superblock*>(r4_sums);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t s = 0; s < n / 128; ++s) {
    const uint8_t* q = quants + s * Format::kSuperblockBytes;
    PrefetchBytes(q + 4 * Format::kSuperblockBytes, Format::kSuperblockBytes);
    __m512i w[1][8];
    Format::Unpack(q, w[0]);
    const __m512 dx = LoadScales(scales + s * 16);
    Accumulate<Format, 1>(w, &dx, y[s], &acc);
  }
  _mm_storeu_ps(out, RowSums(acc));
}

// The same per token as DotR4 (bit-identical results), each superblock unpacked once for
// four tokens; kGroups consecutive groups share the activation loads.
template <typename Format, int kGroups>
void GemmGroups(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
                size_t sums_stride, float* out, size_t out_stride) {
  const size_t group_quants = size_t(n / 128) * Format::kSuperblockBytes;
  const size_t group_scales = size_t(n / 128) * 16;
  const R4Q8Superblock* y[4];
  for (int k = 0; k < 4; ++k) y[k] = RowAt<R4Q8Superblock>(r4_sums, sums_stride, k);
  __m512 acc[4][kGroups];
  for (auto& row : acc) {
    for (__m512& a : row) a = _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < n / 128; ++s) {
    __m512i w[kGroups][8];
    __m512 dx[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      const uint8_t* q = quants + g * group_quants + s * Format::kSuperblockBytes;
      // Batched decode (a few tokens) streams the weights from memory like decode does.
      PrefetchBytes(q + 4 * Format::kSuperblockBytes, Format::kSuperblockBytes);
      Format::Unpack(q, w[g]);
      dx[g] = LoadScales(reinterpret_cast<const uint16_t*>(meta) + g * group_scales + s * 16);
    }
    for (int k = 0; k < 4; ++k) Accumulate<Format, kGroups>(w, dx, y[k][s], acc[k]);
  }
  for (int k = 0; k < 4; ++k) {
    for (int g = 0; g < kGroups; ++g) {
      _mm_storeu_ps(out + k * out_stride + g * 4, RowSums(acc[k][g]));
    }
  }
}

template <typename Format>
void GemmR4(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
            size_t sums_stride, float* out, size_t out_stride) {
  if (groups == 2) {
    GemmGroups<Format, 2>(n, quants, meta, r4_sums, sums_stride, out, out_stride);
  } else {
    GemmGroups<Format, 1>(n, quants, meta, r4_sums, sums_stride, out, out_stride);
  }
}

}  // namespace

R4Kernels Avx512R4Kernels(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return {DotR4<Q4_0Format>, GemmR4<Q4_0Format>};
    case WeightLayout::kQ8_0R4:
      return {DotR4<Q8_0Format>, GemmR4<Q8_0Format>};
    default:
      return Avx512KQuantR4Kernels(layout);
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/r4.h"
namespace inferno::ops {
R4Kernels Avx512R4Kernels(WeightLayout) { return {}; }
}  // namespace inferno::ops
#endif
