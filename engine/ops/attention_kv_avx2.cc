// AVX2 AxpyRows: one 32-element block of the value row is dequantized into four vectors
// (exact: F16 scale times a small integer), then added into every output row.
#include <immintrin.h>

#include "engine/ops/attention_kv.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): ISA-specific helpers need internal linkage.

inline __m256 Int8x8(__m128i q) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)); }

// 32 signed 8-bit quants (elements 0..15 in lo, 16..31 in hi) times d, as four vectors.
inline void Scale32(__m128i lo, __m128i hi, float d, __m256* v) {
  const __m256 vd = _mm256_set1_ps(d);
  v[0] = _mm256_mul_ps(vd, Int8x8(lo));
  v[1] = _mm256_mul_ps(vd, Int8x8(_mm_srli_si128(lo, 8)));
  v[2] = _mm256_mul_ps(vd, Int8x8(hi));
  v[3] = _mm256_mul_ps(vd, Int8x8(_mm_srli_si128(hi, 8)));
}

inline void Block(const BlockQ8_0& b, __m256* v) {
  Scale32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)),
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16)), H2F(b.d), v);
}

inline void Block(const BlockQ4_0& b, __m256* v) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
  const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
  const __m128i lo = _mm_sub_epi8(_mm_and_si128(bytes, mask), eight);
  const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), eight);
  Scale32(lo, hi, H2F(b.d), v);
}

template <typename B>
void AxpyRowsQ(int64_t n, const void* x, int n_rows, const float* coef, int64_t coef_stride,
               float* y, int64_t y_stride) {
  const auto* blocks = static_cast<const B*>(x);
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256 v[4];
    Block(blocks[i], v);
    for (int r = 0; r < n_rows; ++r) {
      const __m256 c = _mm256_set1_ps(coef[r * coef_stride]);
      float* yr = y + r * y_stride + i * kQK;
      for (int k = 0; k < 4; ++k) {
        _mm256_storeu_ps(yr + 8 * k, _mm256_fmadd_ps(c, v[k], _mm256_loadu_ps(yr + 8 * k)));
      }
    }
  }
}

void AxpyRowsF16(int64_t n, const void* x, int n_rows, const float* coef, int64_t coef_stride,
                 float* y, int64_t y_stride) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)));
    for (int r = 0; r < n_rows; ++r) {
      float* yr = y + r * y_stride + i;
      _mm256_storeu_ps(
          yr, _mm256_fmadd_ps(_mm256_set1_ps(coef[r * coef_stride]), v, _mm256_loadu_ps(yr)));
    }
  }
  if (i < n)
    GetAxpyRows(DType::kF16, Isa::kScalar)(n - i, h + i, n_rows, coef, coef_stride, y + i,
                                           y_stride);
}

}  // namespace

AxpyRowsFn Avx2AxpyRows(DType t) {
  switch (t) {
    case DType::kF16:
      return AxpyRowsF16;
    case DType::kQ8_0:
      return AxpyRowsQ<BlockQ8_0>;
    case DType::kQ4_0:
      return AxpyRowsQ<BlockQ4_0>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
