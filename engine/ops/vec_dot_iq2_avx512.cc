// AVX-512 dots of IQ2_XXS, IQ2_XS and IQ1_S with Q8_K: the AVX2 scheme (vec_dot_iq2_avx2.cc)
// with two AVX-512 shortcuts. The 32 sign bits of a sub-block become a mask register that
// negates the activations in one masked subtract (no sign-mask table loads), and vpdpwssd
// applies the sub-block scale to the maddubs pair sums and accumulates in one instruction.
// 256-bit registers, as the other VNNI kernels (vec_dot_avx512.cc).
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

// acc += scale16 · (grid · y with y negated where `negate` has a bit), over 32 weights.
inline __m256i AddSignedGridDot(__m256i acc, __m256i grid, __mmask32 negate, const int8_t* q8,
                                __m256i scale16) {
  const __m256i y = Load(q8);
  const __m256i signed_y = _mm256_mask_sub_epi8(y, negate, _mm256_setzero_si256(), y);
  return _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(grid, signed_y), scale16);
}

// The sign bits of four groups from their 7-bit indices, group l in bits 8l..8l+7.
inline __mmask32 SignMask(const uint8_t* bits, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return __mmask32(bits[a] | (uint32_t(bits[b]) << 8) | (uint32_t(bits[c]) << 16) |
                   (uint32_t(bits[d]) << 24));
}

float DotIQ2_XXS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XXSGrid();
  const uint8_t* bits = IQ2SignBitsTable();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      uint32_t q[2];
      std::memcpy(q, x[i].qs + 4 * ib, 8);
      const __m256i g =
          Entries(grid, q[0] & 0xFF, (q[0] >> 8) & 0xFF, (q[0] >> 16) & 0xFF, q[0] >> 24);
      const __mmask32 m =
          SignMask(bits, q[1] & 127, (q[1] >> 7) & 127, (q[1] >> 14) & 127, (q[1] >> 21) & 127);
      const __m256i scale = _mm256_set1_epi16(int16_t(2 * (q[1] >> 28) + 1));
      sum = AddSignedGridDot(sum, g, m, y[i].qs + 32 * ib, scale);
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
  const uint8_t* bits = IQ2SignBitsTable();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const uint16_t* q = x[i].qs + 4 * ib;
      const __m256i g = Entries(grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511);
      const __mmask32 m = SignMask(bits, q[0] >> 9, q[1] >> 9, q[2] >> 9, q[3] >> 9);
      // Groups 0-1 (the low 128-bit lane) take the low nibble's scale, groups 2-3 the high.
      const uint8_t sc = x[i].scales[ib];
      const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(int16_t(2 * (sc >> 4) + 1)),
                                             _mm_set1_epi16(int16_t(2 * (sc & 0xF) + 1)));
      sum = AddSignedGridDot(sum, g, m, y[i].qs + 32 * ib, scale);
    }
    const float d = H2F(x[i].d) * y[i].d * 0.125f;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return HorizontalSum(acc);
}

// IQ1_S: vpsignb multiplies y by the -1/0/1 grid, maddubs with ones adds pairs and vpdpwssd
// applies the scale; the ±1/8 shift times the activation sums comes from Q8_K's bsums.
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
      sum = _mm256_dpwssd_epi32(sum, _mm256_maddubs_epi16(ones, prod),
                                _mm256_set1_epi16(int16_t(scale)));
      shift_sum += (qh & 0x8000 ? -scale : scale) * (y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1]);
    }
    total += H2F(x[i].d) * y[i].d * (float(HorizontalSumI32(sum)) + kIQ1SDelta * float(shift_sum));
  }
  return total;
}

}  // namespace

VecDotFn Avx512IQ2VecDot(DType t) {
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
VecDotFn Avx512IQ2VecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
