// AVX2 (+FMA, F16C) dot products. Integer products use the unsigned×signed byte multiply
// (maddubs): signed×signed pairs are made unsigned×signed by moving the sign of one factor
// onto the other; offsets of unsigned quants (Q6_K's -32) are applied through the
// activation block sums instead of per element.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstring>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Hardware F16 conversion (F16C); the portable one in fp16.h branches per call.
inline float H2F(uint16_t h) { return _cvtsh_ss(h); }

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

inline int HorizontalSumI32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// Sum of products of 32 signed bytes, as 8 int32 lanes.
inline __m256i DotS8(__m256i x, __m256i y) {
  const __m256i ax = _mm256_sign_epi8(x, x);
  const __m256i sy = _mm256_sign_epi8(y, x);
  return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

// 16 packed nibble bytes → 32 bytes: low nibbles (elements 0..15) then high (16..31).
inline __m256i UnpackNibbles(const uint8_t* q) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  const __m256i v = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
  return _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
}

inline __m256i Load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

float DotQ8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i s = DotS8(Load(x[i].qs), Load(y[i].qs));
    const float d = H2F(x[i].d) * H2F(y[i].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc);
  }
  return HorizontalSum(acc);
}

float DotQ4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc = _mm256_setzero_ps();
  const __m256i eight = _mm256_set1_epi8(8);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i q = _mm256_sub_epi8(UnpackNibbles(x[i].qs), eight);
    const __m256i s = DotS8(q, Load(y[i].qs));
    const float d = H2F(x[i].d) * H2F(y[i].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc);
  }
  return HorizontalSum(acc);
}

float DotF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 x0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    const __m256 y0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
    const __m256 x1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i + 8)));
    const __m256 y1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i + 8)));
    acc0 = _mm256_fmadd_ps(x0, y0, acc0);
    acc1 = _mm256_fmadd_ps(x1, y1, acc1);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += H2F(x[i]) * H2F(y[i]);
  return sum;
}

float DotF32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
  float sum = HorizontalSum(acc);
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float DotQ4_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; ++j) UnpackScaleMinK4(j, x[i].scales, &sc[j], &m[j]);
    int summs = 0;
    for (int j = 0; j < 8; ++j) summs += m[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    __m256i sum = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      const __m256i q = Load(x[i].qs + 32 * j);
      const __m256i lo = _mm256_and_si256(q, mask);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
      const __m256i plo = _mm256_maddubs_epi16(lo, Load(y[i].qs + 64 * j));
      const __m256i phi = _mm256_maddubs_epi16(hi, Load(y[i].qs + 64 * j + 32));
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(plo, _mm256_set1_epi16(sc[2 * j])));
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(phi, _mm256_set1_epi16(sc[2 * j + 1])));
    }
    const float d = H2F(x[i].d) * y[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    mins += H2F(x[i].dmin) * y[i].d * float(summs);
  }
  return HorizontalSum(acc) - mins;
}

float DotQ5_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; ++j) UnpackScaleMinK4(j, x[i].scales, &sc[j], &m[j]);
    int summs = 0;
    for (int j = 0; j < 8; ++j) summs += m[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    const __m256i qh = Load(x[i].qh);
    __m256i sum = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      const __m256i q = Load(x[i].qs + 32 * j);
      // Bit 2j of qh is the fifth bit of the low-nibble element, bit 2j+1 of the high one.
      const __m256i blo = _mm256_and_si256(
          _mm256_cmpeq_epi8(_mm256_and_si256(qh, _mm256_set1_epi8(char(1 << (2 * j)))),
                            _mm256_set1_epi8(char(1 << (2 * j)))),
          sixteen);
      const __m256i bhi = _mm256_and_si256(
          _mm256_cmpeq_epi8(_mm256_and_si256(qh, _mm256_set1_epi8(char(2 << (2 * j)))),
                            _mm256_set1_epi8(char(2 << (2 * j)))),
          sixteen);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, mask), blo);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), mask), bhi);
      const __m256i plo = _mm256_maddubs_epi16(lo, Load(y[i].qs + 64 * j));
      const __m256i phi = _mm256_maddubs_epi16(hi, Load(y[i].qs + 64 * j + 32));
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(plo, _mm256_set1_epi16(sc[2 * j])));
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(phi, _mm256_set1_epi16(sc[2 * j + 1])));
    }
    const float d = H2F(x[i].d) * y[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    mins += H2F(x[i].dmin) * y[i].d * float(summs);
  }
  return HorizontalSum(acc) - mins;
}

float DotQ6_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i mask4 = _mm256_set1_epi8(0x0F);
  const __m256i mask2 = _mm256_set1_epi8(0x03);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    // The quants are stored +32; subtract 32 * scale * (block sum of the activations).
    int offset = 0;
    for (int g = 0; g < 16; ++g) offset += x[i].scales[g] * y[i].bsums[g];
    __m256i sum = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = x[i].ql + 64 * half;
      const __m256i qh = Load(x[i].qh + 32 * half);
      const int8_t* sc = x[i].scales + 8 * half;
      const int8_t* q8 = y[i].qs + 128 * half;
      const __m256i l0 = Load(ql), l1 = Load(ql + 32);
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, mask4),
                          _mm256_slli_epi16(_mm256_and_si256(qh, mask2), 4)),
          _mm256_or_si256(_mm256_and_si256(l1, mask4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), mask2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), mask4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), mask2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), mask4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), mask2), 4)),
      };
      for (int k = 0; k < 4; ++k) {
        const __m256i p = _mm256_maddubs_epi16(q[k], Load(q8 + 32 * k));
        const __m256i s =
            _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p, s));
      }
    }
    const int isum = HorizontalSumI32(sum) - 32 * offset;
    acc =
        _mm256_add_ps(acc, _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, H2F(x[i].d) * y[i].d * float(isum)));
  }
  return HorizontalSum(acc);
}

}  // namespace

VecDotFn Avx2VecDot(DType t) {
  switch (t) {
    case DType::kF32:
      return DotF32;
    case DType::kF16:
      return DotF16;
    case DType::kQ4_0:
      return DotQ4_0;
    case DType::kQ8_0:
      return DotQ8_0;
    case DType::kQ4_K:
      return DotQ4_K;
    case DType::kQ5_K:
      return DotQ5_K;
    case DType::kQ6_K:
      return DotQ6_K;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2VecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
