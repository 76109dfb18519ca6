// AVX-512 VNNI kernels for F16, Q4_0 and Q8_0 (K-quants: vec_dot_kquant_avx512.cc). The
// byte dot product instruction (vpdpbusd) replaces AVX2's maddubs+madd pair and cannot
// saturate. 256-bit registers for the block formats: one Q8_0 block per register keeps
// per-block scales simple, and on these cores the 512-bit form brings no more load
// bandwidth for decode. Types without a kernel here fall back to AVX2.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

float DotQ8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const int64_t nb = n / kQK;
  int64_t i = 0;
  // Two independent accumulators hide the latency of the dependent FMA chain.
  for (; i + 1 < nb; i += 2) {
    const __m256i x0 = Load(x[i].qs), x1 = Load(x[i + 1].qs);
    const __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x0),
                                           _mm256_sign_epi8(Load(y[i].qs), x0));
    const __m256i s1 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x1),
                                           _mm256_sign_epi8(Load(y[i + 1].qs), x1));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i + 1].d) * H2F(y[i + 1].d)),
                           _mm256_cvtepi32_ps(s1), acc1);
  }
  for (; i < nb; ++i) {
    const __m256i x0 = Load(x[i].qs);
    const __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x0),
                                           _mm256_sign_epi8(Load(y[i].qs), x0));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
  }
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

float DotQ4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
    const __m256i yv = Load(y[i].qs);
    // Nibbles are unsigned: sum(q*y) - 8*sum(y), both with the unsigned×signed product.
    __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, yv);
    const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
    s = _mm256_sub_epi32(s, ysum);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s), acc);
  }
  return HorizontalSum(acc);
}

// F16 -> F32, 16 lanes. The zero-masked forms of these intrinsics avoid GCC 12's bogus
// "uninitialized" warnings about the undefined pass-through operand of the plain forms.
inline __m512 CvtPh(__m256i h) { return _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), h); }

inline float HorizontalSum512(__m512 v) {
  const __m256 lo = _mm512_maskz_extractf32x8_ps(__mmask8(0xFF), v, 0);
  const __m256 hi = _mm512_maskz_extractf32x8_ps(__mmask8(0xFF), v, 1);
  return HorizontalSum(_mm256_add_ps(lo, hi));
}

// F16 x F16 in 512-bit registers: float FMAs are the bottleneck here, not loads. The tail
// uses masked loads (zeros contribute nothing).
float DotF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm512_fmadd_ps(CvtPh(Load(x + i)), CvtPh(Load(y + i)), acc0);
    acc1 = _mm512_fmadd_ps(CvtPh(Load(x + i + 16)), CvtPh(Load(y + i + 16)), acc1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    const __m512 xv = CvtPh(_mm256_maskz_loadu_epi16(m, x + i));
    const __m512 yv = CvtPh(_mm256_maskz_loadu_epi16(m, y + i));
    acc0 = _mm512_fmadd_ps(xv, yv, acc0);
  }
  return HorizontalSum512(_mm512_add_ps(acc0, acc1));
}

void DotQ4_0x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const BlockQ4_0* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<BlockQ4_0>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      // Software prefetch a few hundred bytes ahead in each of the four row streams: the
      // hardware prefetcher alone left ~12% of decode speed on the table here.
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i + 16]), _MM_HINT_T0);
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[r][i].qs));
      const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
      const __m256i s = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), q, yv), ysum);
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[r][i].d) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

void DotQ8_0x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const BlockQ8_0* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<BlockQ8_0>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i + 12]), _MM_HINT_T0);
      const __m256i xv = Load(x[r][i].qs);
      const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(xv),
                                            _mm256_sign_epi8(yv, xv));
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[r][i].d) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

void GemmQ4_0(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256i q[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const BlockQ4_0& b = RowAt<BlockQ4_0>(w, w_row_bytes, r)[i];
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
      q[r] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
      dx[r] = H2F(b.d);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& y = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(y.qs);
      const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
      const float dy = H2F(y.d);
      for (int r = 0; r < 4; ++r) {
        const __m256i s =
            _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), q[r], yv), ysum);
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy), _mm256_cvtepi32_ps(s), acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

void GemmQ8_0(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256i q[4], aq[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const BlockQ8_0& b = RowAt<BlockQ8_0>(w, w_row_bytes, r)[i];
      q[r] = Load(b.qs);
      aq[r] = _mm256_abs_epi8(q[r]);
      dx[r] = H2F(b.d);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& y = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(y.qs);
      const float dy = H2F(y.d);
      for (int r = 0; r < 4; ++r) {
        const __m256i s =
            _mm256_dpbusd_epi32(_mm256_setzero_si256(), aq[r], _mm256_sign_epi8(yv, q[r]));
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy), _mm256_cvtepi32_ps(s), acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

}  // namespace

Gemm4x4Fn Avx512Gemm4x4(DType t) {
  switch (t) {
    case DType::kQ4_0:
      return GemmQ4_0;
    case DType::kQ8_0:
      return GemmQ8_0;
    default:
      return Avx512KQuantGemm4x4(t);
  }
}

VecDot4Fn Avx512VecDot4(DType t) {
  switch (t) {
    case DType::kQ4_0:
      return DotQ4_0x4;
    case DType::kQ8_0:
      return DotQ8_0x4;
    default:
      return Avx512KQuantVecDot4(t);
  }
}

VecDotFn Avx512VecDot(DType t) {
  switch (t) {
    case DType::kF16:
      return DotF16;
    case DType::kQ4_0:
      return DotQ4_0;
    case DType::kQ8_0:
      return DotQ8_0;
    default:
      return Avx512KQuantVecDot(t);
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx512VecDot(DType) { return nullptr; }
VecDot4Fn Avx512VecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx512Gemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
