#include <immintrin.h>

#include "engine/ops/axpy_f16.h"

namespace inferno::ops {

void AxpyF16Avx2(int64_t n, float a, const uint16_t* x, float* y) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, xv, _mm256_loadu_ps(y + i)));
  }
  if (i < n) AxpyF16Scalar(n - i, a, x + i, y + i);
}

}  // namespace inferno::ops
