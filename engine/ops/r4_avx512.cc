// AVX-512 VNNI kernels for the R4 layouts. Per block and four rows: one (Q4_0, then two
// nibble masks) or two (Q8_0) 512-bit loads, two vpdpbusd against the activation's halves
// broadcast to every 128-bit lane, one conversion, one scale permute and one FMA — against
// about 14 instructions per block and row in the row-major kernels (vec_dot_avx512.cc).
#if defined(__x86_64__) || defined(__i386__)
#include <cstring>

#include "engine/ops/r4.h"
#include "engine/ops/simd_avx512.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

inline __m512 LoadScales(const uint16_t* p) {
  return _mm512_maskz_cvtph_ps(kAllLanes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Block b of four rows against one activation block, as 16 int32 partial sums (lanes
// 4r..4r+3 for row r), starting from `init`.
inline __m512i BlockSums(__m512i init, __m512i lo, __m512i hi, const BlockQ8_0& y) {
  const __m512i s = _mm512_dpbusd_epi32(init, lo, Broadcast16(y.qs));
  return _mm512_dpbusd_epi32(s, hi, Broadcast16(y.qs + 16));
}

// How each format's block of four rows is laid out and offset (see repack.h).
struct Q4_0Format {
  static constexpr int64_t kBlockBytes = 64;    // 4 rows × 16 bytes of nibbles
  static constexpr float kOffsetOverEight = 1;  // nibble q stands for q - 8: float correction
  static __m512i Init(const float*, int64_t) { return _mm512_setzero_si512(); }
  static void Unpack(const uint8_t* q, __m512i* lo, __m512i* hi) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i v = _mm512_loadu_si512(q);
    *lo = _mm512_and_si512(v, low4);
    *hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
  }
};
struct Q8_0Format {
  static constexpr int64_t kBlockBytes = 128;   // 4 rows × 32 bytes: first halves, then second
  static constexpr float kOffsetOverEight = 0;  // byte q stands for q - 128: integer correction
  // -128 * sum(y) of block i in one lane of each row.
  static __m512i Init(const float* sums, int64_t i) {
    int32_t offset;
    std::memcpy(&offset, sums + i, sizeof offset);
    return _mm512_maskz_set1_epi32(__mmask16(0x1111), offset);
  }
  static void Unpack(const uint8_t* q, __m512i* lo, __m512i* hi) {
    *lo = _mm512_loadu_si512(q);
    *hi = _mm512_loadu_si512(q + 64);
  }
};

// out[r] = sum of lanes 4r..4r+3 of acc - sum over b of lane 4b+r of corr.
template <typename Format>
inline void Finish(__m512 acc, __m512 corr, float* out) {
  const __m128 rows = RowSums(acc);
  const __m128 c = _mm_add_ps(_mm_add_ps(Quarter(corr, 0), Quarter(corr, 1)),
                              _mm_add_ps(Quarter(corr, 2), Quarter(corr, 3)));
  if constexpr (Format::kOffsetOverEight == 0) {
    _mm_storeu_ps(out, rows);
  } else {
    _mm_storeu_ps(out, _mm_sub_ps(rows, _mm_mul_ps(c, _mm_set1_ps(Format::kOffsetOverEight))));
  }
}

template <typename Format>
void DotR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
           const void* r4_sums, float* out) {
  const auto* scales = reinterpret_cast<const uint16_t*>(meta);
  const auto* sums = static_cast<const float*>(r4_sums);
  constexpr int64_t kSuperblockBytes = 4 * Format::kBlockBytes;
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const int64_t nb = n / kQK;
  const float* ysum = sums + nb * 4;
  const float* offsets = sums + nb * 8;
  __m512 acc = _mm512_setzero_ps(), corr = _mm512_setzero_ps();
  for (int64_t s = 0; s < nb / 4; ++s) {
    const uint8_t* q = quants + s * kSuperblockBytes;
    PrefetchBytes(q + 4 * kSuperblockBytes, kSuperblockBytes);
    const __m512 dx = LoadScales(scales + s * 16);
    const __m512 scale = _mm512_mul_ps(dx, _mm512_loadu_ps(sums + s * 16));
    if constexpr (Format::kOffsetOverEight != 0) {
      corr = _mm512_fmadd_ps(dx, _mm512_loadu_ps(ysum + s * 16), corr);
    }
    // One accumulator, blocks in order: the same float operations as GemmR4, so a token gives
    // bit-identical results alone or inside a prompt tile (8-bit activations downstream turn
    // any rounding difference into visible jumps).
    for (int b = 0; b < 4; ++b) {
      __m512i lo, hi;
      Format::Unpack(q + b * Format::kBlockBytes, &lo, &hi);
      const __m512i sum = BlockSums(Format::Init(offsets, s * 4 + b), lo, hi, y[s * 4 + b]);
      acc = _mm512_fmadd_ps(ToFloat(sum), Spread(ScaleIndex(b), scale), acc);
    }
  }
  Finish<Format>(acc, corr, out);
}

template <typename Format>
void GemmR4(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
            size_t a_row_bytes, const void* r4_sums, size_t sums_stride_bytes, float* out,
            size_t out_stride) {
  const auto* scales = reinterpret_cast<const uint16_t*>(meta);
  const auto* sums = static_cast<const float*>(r4_sums);
  const size_t sums_stride = sums_stride_bytes / sizeof(float);
  const int64_t nb = n / kQK;
  const BlockQ8_0* y[4];
  for (int k = 0; k < 4; ++k) y[k] = RowAt<BlockQ8_0>(a, a_row_bytes, k);
  __m512 acc[4], corr[4];
  for (int k = 0; k < 4; ++k) acc[k] = corr[k] = _mm512_setzero_ps();
  for (int64_t s = 0; s < nb / 4; ++s) {
    const uint8_t* q = quants + s * 4 * Format::kBlockBytes;
    const __m512 dx = LoadScales(scales + s * 16);
    __m512 scale[4];
    for (int k = 0; k < 4; ++k) {
      const float* sk = sums + k * sums_stride;
      scale[k] = _mm512_mul_ps(dx, _mm512_loadu_ps(sk + s * 16));
      if constexpr (Format::kOffsetOverEight != 0) {
        corr[k] = _mm512_fmadd_ps(dx, _mm512_loadu_ps(sk + nb * 4 + s * 16), corr[k]);
      }
    }
    for (int b = 0; b < 4; ++b) {
      __m512i lo, hi;
      Format::Unpack(q + b * Format::kBlockBytes, &lo, &hi);
      const __m512i index = ScaleIndex(b);
      for (int k = 0; k < 4; ++k) {
        const __m512i sum = BlockSums(Format::Init(sums + k * sums_stride + nb * 8, s * 4 + b), lo,
                                      hi, y[k][s * 4 + b]);
        acc[k] = _mm512_fmadd_ps(ToFloat(sum), Spread(index, scale[k]), acc[k]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) Finish<Format>(acc[k], corr[k], out + k * out_stride);
}

}  // namespace

DotR4Fn Avx512DotR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return DotR4<Q4_0Format>;
    case WeightLayout::kQ8_0R4:
      return DotR4<Q8_0Format>;
    case WeightLayout::kQ4_KR4:
    case WeightLayout::kQ6_KR4:
      return Avx512DotKR4(layout);
    default:
      return nullptr;
  }
}

GemmR4Fn Avx512GemmR4(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return GemmR4<Q4_0Format>;
    case WeightLayout::kQ8_0R4:
      return GemmR4<Q8_0Format>;
    case WeightLayout::kQ4_KR4:
    case WeightLayout::kQ6_KR4:
      return Avx512GemmKR4(layout);
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/r4.h"
namespace inferno::ops {
DotR4Fn Avx512DotR4(WeightLayout) { return nullptr; }
GemmR4Fn Avx512GemmR4(WeightLayout) { return nullptr; }
}  // namespace inferno::ops
#endif
