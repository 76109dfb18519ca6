// AVX2 activation quantization (quantize_activations.h): QuantizeRow's float operations eight
// lanes at a time, bit for bit.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <type_traits>

#include "engine/ops/quantize_activations.h"
#include "engine/ops/simd_x86.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

inline __m256 Abs(__m256 v) {
  return _mm256_castsi256_ps(
      _mm256_and_si256(_mm256_castps_si256(v), _mm256_set1_epi32(0x7FFFFFFF)));
}

inline float ReduceMax(__m256 v) {
  __m128 q = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = _mm_max_ps(q, _mm_movehl_ps(q, q));
  q = _mm_max_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

// x * scale rounded half to even (the default MXCSR mode, as nearbyint), as int32.
inline __m256i Scaled(const float* x, __m256 scale) {
  return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), scale));
}

// Four vectors of int32 in -127..127 -> 32 bytes in element order. The packs work within
// 128-bit lanes, so the dwords come out as a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7.
inline void StoreBytes(int8_t* p, __m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  _mm256_storeu_si256(
      reinterpret_cast<__m256i*>(p),
      _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

inline uint16_t ToF16(float v) {
  return _cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// Q8_0, and Q8_1 which also stores s = d * (sum of the quants), as the scalar loop does.
template <typename Block>
void QuantizeQ8(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<Block*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const __m256 m =
        _mm256_max_ps(_mm256_max_ps(Abs(_mm256_loadu_ps(x)), Abs(_mm256_loadu_ps(x + 8))),
                      _mm256_max_ps(Abs(_mm256_loadu_ps(x + 16)), Abs(_mm256_loadu_ps(x + 24))));
    const float amax = ReduceMax(m);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    y[i].d = ToF16(d);
    const __m256 scale = _mm256_set1_ps(id);
    const __m256i q0 = Scaled(x, scale), q1 = Scaled(x + 8, scale);
    const __m256i q2 = Scaled(x + 16, scale), q3 = Scaled(x + 24, scale);
    StoreBytes(y[i].qs, q0, q1, q2, q3);
    if constexpr (std::is_same_v<Block, BlockQ8_1>) {
      const int sum =
          HorizontalSumI32(_mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
      y[i].s = ToF16(d * float(sum));
    }
  }
}

void QuantizeQ8_K(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    __m256 amax_v = _mm256_setzero_ps();
    for (int j = 0; j < kQK_K; j += 8) amax_v = _mm256_max_ps(amax_v, Abs(_mm256_loadu_ps(x + j)));
    const float amax = ReduceMax(amax_v);
    if (amax == 0) {
      y[i] = BlockQ8_K{};
      continue;
    }
    // The first element with the largest magnitude keeps its sign (as the scalar loop).
    float max = 0;
    for (int j = 0; j < kQK_K; j += 8) {
      const int hit = _mm256_movemask_ps(
          _mm256_cmp_ps(Abs(_mm256_loadu_ps(x + j)), _mm256_set1_ps(amax), _CMP_EQ_OQ));
      if (hit != 0) {
        max = x[j + __builtin_ctz(unsigned(hit))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    for (int j = 0; j < kQK_K; j += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; ++k) q[k] = _mm256_min_epi32(Scaled(x + j + 8 * k, scale), top);
      StoreBytes(y[i].qs + j, q[0], q[1], q[2], q[3]);
      y[i].bsums[j / 16] = int16_t(HorizontalSumI32(_mm256_add_epi32(q[0], q[1])));
      y[i].bsums[j / 16 + 1] = int16_t(HorizontalSumI32(_mm256_add_epi32(q[2], q[3])));
    }
    y[i].d = 1.0f / iscale;
  }
}

}  // namespace

QuantizeActivationsFn Avx2QuantizeActivations(DType type) {
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
QuantizeActivationsFn Avx2QuantizeActivations(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
