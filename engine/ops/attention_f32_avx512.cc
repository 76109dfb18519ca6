// AVX-512 pieces of the F32 encoder attention (attention_f32.h): a register-tiled GEMM (8 rows
// by 32 columns of C in 16 accumulators; per k, two loads of b, eight broadcasts of a and 16
// FMAs) and the softmax's exponentials with their double sum.
#if defined(__x86_64__) || defined(__i386__)
#include <algorithm>
#include <cmath>

#include "engine/ops/attention_f32.h"
#include "engine/ops/simd_avx512.h"

namespace inferno::ops {
namespace {

// c[0..8)[0..16 * kVecs) = a[0..8)[0..k) * b[0..k)[0..16 * kVecs).
template <int kVecs>
inline void Tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                 int64_t ldc) {
  __m512 acc[8][kVecs];
  for (auto& row : acc) {
    for (__m512& v : row) v = _mm512_setzero_ps();
  }
  for (int64_t x = 0; x < k; ++x) {
    __m512 bx[kVecs];
    for (int v = 0; v < kVecs; ++v) bx[v] = _mm512_loadu_ps(b + x * ldb + 16 * v);
    for (int m = 0; m < 8; ++m) {
      const __m512 am = _mm512_set1_ps(a[m * lda + x]);
      for (int v = 0; v < kVecs; ++v) acc[m][v] = _mm512_fmadd_ps(am, bx[v], acc[m][v]);
    }
  }
  for (int m = 0; m < 8; ++m) {
    for (int v = 0; v < kVecs; ++v) _mm512_storeu_ps(c + m * ldc + 16 * v, acc[m][v]);
  }
}

}  // namespace

void GemmF32Avx512(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc) {
  for (int64_t m = 0; m < rows; m += 8) {
    int64_t j = 0;
    for (; j + 32 <= n; j += 32) Tile<2>(k, a + m * lda, lda, b + j, ldb, c + m * ldc + j, ldc);
    if (j < n) Tile<1>(k, a + m * lda, lda, b + j, ldb, c + m * ldc + j, ldc);
  }
}

float ScaleMaxAvx512(float* x, int64_t n, float scale) {
  const __m512 sc = _mm512_set1_ps(scale);
  __m512 mx = _mm512_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + i), sc);
    _mm512_storeu_ps(x + i, v);
    mx = _mm512_maskz_max_ps(kAllLanes, mx, v);  // GCC 12: the zero-masked form
  }
  float lanes[16];
  _mm512_storeu_ps(lanes, mx);
  float m = *std::max_element(lanes, lanes + 16);
  if (i < n) m = std::max(m, ScaleMaxScalar(x + i, n - i, scale));
  return m;
}

double ExpShiftSumAvx512(float* x, int64_t n, float max) {
  const __m512 mx = _mm512_set1_ps(max);
  __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 e = Exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), mx));
    _mm512_storeu_ps(x + i, e);
    // The zero-masked forms: GCC 12 warns about the plain forms' undefined pass-through.
    sum0 =
        _mm512_add_pd(sum0, _mm512_maskz_cvtps_pd(0xFF, _mm512_maskz_extractf32x8_ps(0xFF, e, 0)));
    sum1 =
        _mm512_add_pd(sum1, _mm512_maskz_cvtps_pd(0xFF, _mm512_maskz_extractf32x8_ps(0xFF, e, 1)));
  }
  const __m512d s = _mm512_add_pd(sum0, sum1);
  const __m256d s4 = _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xF, s, 0),
                                   _mm512_maskz_extractf64x4_pd(0xF, s, 1));
  const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  double sum = _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
  if (i < n) sum += ExpShiftSumScalar(x + i, n - i, max);
  return sum;
}

}  // namespace inferno::ops
#endif
