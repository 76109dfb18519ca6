// AVX-512 AxpyRows: one 32-element block of the value row is dequantized into two vectors
// (exact: F16 scale times a small integer), then added into every output row.
#include <immintrin.h>

#include "engine/ops/attention_kv.h"
#include "engine/ops/simd_avx512.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

// GCC 12 takes the placeholder the intrinsics header passes inside _mm512_cvtepi8_epi32 (an
// _mm512_undefined value the instruction never reads) for a maybe-uninitialized use once it is
// inlined here: a false positive of that compiler, not a read of anything unset.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): ISA-specific helpers need internal linkage.

// 16 signed 8-bit quants times d.
inline __m512 Scale16(__m128i q, __m512 d) {
  return _mm512_mul_ps(d, ToFloat(_mm512_cvtepi8_epi32(q)));
}

inline void Block(const BlockQ8_0& b, __m512* v) {
  const __m512 d = _mm512_set1_ps(H2F(b.d));
  v[0] = Scale16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)), d);
  v[1] = Scale16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16)), d);
}

inline void Block(const BlockQ4_0& b, __m512* v) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
  const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
  const __m512 d = _mm512_set1_ps(H2F(b.d));
  v[0] = Scale16(_mm_sub_epi8(_mm_and_si128(bytes, mask), eight), d);
  v[1] = Scale16(_mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), eight), d);
}

template <typename B>
void AxpyRowsQ(int64_t n, const void* x, int n_rows, const float* coef, int64_t coef_stride,
               float* y, int64_t y_stride) {
  const auto* blocks = static_cast<const B*>(x);
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m512 v[2];
    Block(blocks[i], v);
    for (int r = 0; r < n_rows; ++r) {
      const __m512 c = _mm512_set1_ps(coef[r * coef_stride]);
      float* yr = y + r * y_stride + i * kQK;
      _mm512_storeu_ps(yr, _mm512_fmadd_ps(c, v[0], _mm512_loadu_ps(yr)));
      _mm512_storeu_ps(yr + 16, _mm512_fmadd_ps(c, v[1], _mm512_loadu_ps(yr + 16)));
    }
  }
}

}  // namespace

AxpyRowsFn Avx512AxpyRows(DType t) {
  switch (t) {
    case DType::kQ8_0:
      return AxpyRowsQ<BlockQ8_0>;
    case DType::kQ4_0:
      return AxpyRowsQ<BlockQ4_0>;
    default:
      return nullptr;  // F16: the AVX2 kernel
  }
}

}  // namespace inferno::ops
