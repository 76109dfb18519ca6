#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <type_traits>

#include "engine/ops/quantize_activations.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

constexpr __mmask16 kAll = 0xFFFF;

inline __m512 Abs(__m512 v) {
  return _mm512_castsi512_ps(
      _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7FFFFFFF)));
}

// float -> int32, round half to even (the default MXCSR mode, as nearbyint).
inline __m512i Round(__m512 v) { return _mm512_maskz_cvtps_epi32(kAll, v); }

// Horizontal max / sum through 256-bit halves (GCC 12 warns on the _mm512_reduce_* forms:
// their unmasked pass-through operand looks uninitialized to it).
inline float ReduceMax(__m512 v) {
  const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 1));
  __m256 m = _mm256_max_ps(
      _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 0)), hi);
  __m128 q = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  q = _mm_max_ps(q, _mm_movehl_ps(q, q));
  q = _mm_max_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}
inline int ReduceAdd(__m512i v) {
  const __m256i hi = _mm512_maskz_extracti64x4_epi64(0xF, v, 1);
  const __m256i s = _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xF, v, 0), hi);
  __m128i q = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0x4E));
  q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xB1));
  return _mm_cvtsi128_si32(q);
}

inline void StoreBytes(int8_t* p, __m512i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_maskz_cvtepi32_epi8(kAll, v));
}

// Q8_0, and Q8_1 which also stores s = d * (sum of the quants) for Q4_1's and Q5_1's min
// terms, computed as the scalar loop does: the int sum times d in float, then to F16.
template <typename Block>
void QuantizeQ8(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<Block*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
    const float amax = ReduceMax(_mm512_maskz_max_ps(kAll, Abs(a), Abs(b)));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    y[i].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 scale = _mm512_set1_ps(id);
    const __m512i qa = Round(_mm512_mul_ps(a, scale)), qb = Round(_mm512_mul_ps(b, scale));
    StoreBytes(y[i].qs, qa);
    StoreBytes(y[i].qs + 16, qb);
    if constexpr (std::is_same_v<Block, BlockQ8_1>) {
      const int sum = ReduceAdd(_mm512_add_epi32(qa, qb));
      y[i].s = _cvtss_sh(d * float(sum), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
  }
}

void QuantizeQ8_K(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    __m512 amax_v = _mm512_setzero_ps();
    for (int j = 0; j < kQK_K; j += 16)
      amax_v = _mm512_maskz_max_ps(kAll, amax_v, Abs(_mm512_loadu_ps(x + j)));
    const float amax = ReduceMax(amax_v);
    if (amax == 0) {
      y[i] = BlockQ8_K{};
      continue;
    }
    // The first element with the largest magnitude keeps its sign (as the scalar loop).
    float max = 0;
    for (int j = 0; j < kQK_K; j += 16) {
      const __mmask16 hit =
          _mm512_cmp_ps_mask(Abs(_mm512_loadu_ps(x + j)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
      if (hit != 0) {
        max = x[j + __builtin_ctz(hit)];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m512 scale = _mm512_set1_ps(iscale);
    for (int j = 0; j < kQK_K; j += 16) {
      const __m512i q = _mm512_maskz_min_epi32(
          kAll, Round(_mm512_mul_ps(_mm512_loadu_ps(x + j), scale)), _mm512_set1_epi32(127));
      StoreBytes(y[i].qs + j, q);
      y[i].bsums[j / 16] = int16_t(ReduceAdd(q));
    }
    y[i].d = 1.0f / iscale;
  }
}

}  // namespace

QuantizeActivationsFn Avx512QuantizeActivations(DType type) {
  switch (type) {
    case DType::kQ8_0:
      return QuantizeQ8<BlockQ8_0>;
    case DType::kQ8_1:
      return QuantizeQ8<BlockQ8_1>;
    case DType::kQ8_K:
      return QuantizeQ8_K;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/quantize_activations.h"
namespace inferno::ops {
QuantizeActivationsFn Avx512QuantizeActivations(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
