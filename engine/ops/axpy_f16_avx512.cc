#include <immintrin.h>

#include "engine/ops/axpy_f16.h"

namespace inferno::ops {

void AxpyF16Avx512(int64_t n, float a, const uint16_t* x, float* y) {
  const __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // The zero-masked form: GCC 12 warns about the plain form's undefined pass-through operand.
    const __m512 xv = _mm512_maskz_cvtph_ps(
        __mmask16(0xFFFF), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, xv, _mm512_loadu_ps(y + i)));
  }
  if (i < n) AxpyF16Avx2(n - i, a, x + i, y + i);
}

}  // namespace inferno::ops
