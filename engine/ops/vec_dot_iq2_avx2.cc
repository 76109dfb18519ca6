// AVX2 dots of IQ2_XXS, IQ2_XS and IQ1_S with Q8_K. Per 32 weights the four codebook entries
// are loaded as one register of bytes (the expanded grids of iq2_quants.h); the IQ2 formats
// apply their signs to the activations (their magnitudes 8..43 are maddubs's unsigned operand),
// IQ1_S's -1/0/1 grid multiplies the activations by vpsignb. maddubs pair sums (at most
// 2·43·127) fit int16; madd with the integer sub-block scale (2s + 1 <= 31) accumulates in int32.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Four 64-bit table entries as one register, entry a in the lowest 8 bytes.
inline __m256i Entries(const uint64_t* t, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return _mm256_set_epi64x(int64_t(t[d]), int64_t(t[c]), int64_t(t[b]), int64_t(t[a]));
}

// scale16 · Σ pairs of grid·(±y) over 32 weights, as 8 int32 lanes (mask bytes 0xFF negate).
inline __m256i SignedGridDot(__m256i grid, __m256i sign_mask, const int8_t* q8, __m256i scale16) {
  const __m256i y = Load(q8);
  const __m256i signed_y = _mm256_sub_epi8(_mm256_xor_si256(y, sign_mask), sign_mask);
  return _mm256_madd_epi16(_mm256_maddubs_epi16(grid, signed_y), scale16);
}

float DotIQ2_XXS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XXSGrid();
  const uint64_t* masks = IQ2SignMasks();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      uint32_t q[2];
      std::memcpy(q, x[i].qs + 4 * ib, 8);
      const __m256i g =
          Entries(grid, q[0] & 0xFF, (q[0] >> 8) & 0xFF, (q[0] >> 16) & 0xFF, q[0] >> 24);
      const __m256i s =
          Entries(masks, q[1] & 127, (q[1] >> 7) & 127, (q[1] >> 14) & 127, (q[1] >> 21) & 127);
      const __m256i scale = _mm256_set1_epi16(int16_t(2 * (q[1] >> 28) + 1));
      sum = _mm256_add_epi32(sum, SignedGridDot(g, s, y[i].qs + 32 * ib, scale));
    }
    const float d = H2F(x[i].d) * y[i].d * 0.125f;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return HorizontalSum(acc);
}

float DotIQ2_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XSGrid();
  const uint64_t* masks = IQ2SignMasks();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const uint16_t* q = x[i].qs + 4 * ib;
      const __m256i g = Entries(grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511);
      const __m256i s = Entries(masks, q[0] >> 9, q[1] >> 9, q[2] >> 9, q[3] >> 9);
      // Groups 0-1 (the low 128-bit lane) take the low nibble's scale, groups 2-3 the high.
      const uint8_t sc = x[i].scales[ib];
      const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(int16_t(2 * (sc >> 4) + 1)),
                                             _mm_set1_epi16(int16_t(2 * (sc & 0xF) + 1)));
      sum = _mm256_add_epi32(sum, SignedGridDot(g, s, y[i].qs + 32 * ib, scale));
    }
    const float d = H2F(x[i].d) * y[i].d * 0.125f;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return HorizontalSum(acc);
}

// IQ1_S: the grid part as above (vpsignb multiplies y by -1/0/1, maddubs by ones adds pairs);
// the ±1/8 shift times the activation sums comes from Q8_K's bsums, eight scalars per block.
float DotIQ1_S(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ1_S*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ1SGrid();
  const __m256i ones = _mm256_set1_epi8(1);
  float total = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    int shift_sum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      const uint8_t* qs = x[i].qs + 4 * ib;
      const uint32_t qh = x[i].qh[ib];
      const __m256i g = Entries(grid, qs[0] | ((qh << 8) & 0x700), qs[1] | ((qh << 5) & 0x700),
                                qs[2] | ((qh << 2) & 0x700), qs[3] | ((qh >> 1) & 0x700));
      const int scale = int(2 * ((qh >> 12) & 7) + 1);
      const __m256i prod = _mm256_sign_epi8(Load(y[i].qs + 32 * ib), g);
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(ones, prod),
                                                    _mm256_set1_epi16(int16_t(scale))));
      shift_sum += (qh & 0x8000 ? -scale : scale) * (y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1]);
    }
    total += H2F(x[i].d) * y[i].d * (float(HorizontalSumI32(sum)) + kIQ1SDelta * float(shift_sum));
  }
  return total;
}

}  // namespace

VecDotFn Avx2IQ2VecDot(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
      return DotIQ2_XXS;
    case DType::kIQ2_XS:
      return DotIQ2_XS;
    case DType::kIQ1_S:
      return DotIQ1_S;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot_iq2.h"
namespace inferno::ops {
VecDotFn Avx2IQ2VecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
