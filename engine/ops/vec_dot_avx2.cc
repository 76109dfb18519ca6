// AVX2 (+FMA, F16C) dot products for the plain and 32-element block formats; the K-quants
// are in vec_dot_kquant_avx2.cc. Integer products use the unsigned×signed byte multiply
// (maddubs): signed×signed pairs are made unsigned×signed by moving the sign of one factor
// onto the other.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/rows4_avx2.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Sum of products of 32 signed bytes, as 8 int32 lanes. Safe from maddubs saturation as
// long as |x| <= 127 or |y| small enough: pairs are at most 2 * 128 * 127 < 32768.
inline __m256i DotS8(__m256i x, __m256i y) {
  const __m256i ax = _mm256_sign_epi8(x, x);
  const __m256i sy = _mm256_sign_epi8(y, x);
  return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

// Sum of products of 32 unsigned bytes (< 128) with 32 signed bytes, as 8 int32 lanes.
inline __m256i DotU8S8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

inline __m256 Scaled(float d, __m256i sum, __m256 acc) {
  return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
}

// Step kernels (rows4_avx2.h) of the 32-element formats against Q8_0 / Q8_1 activations.

struct Q8_0 {
  using WBlock = BlockQ8_0;
  using ABlock = BlockQ8_0;
  static constexpr int kBlock = kQK;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i q = Load(x.qs);
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v = Scaled(H2F(x.d) * H2F(y[t]->d), DotS8(q, Load(y[t]->qs)), acc[t].v);
    }
  }
  static float Finish(const Acc& acc) { return HorizontalSum(acc.v); }
};

struct Q4_0 : Q8_0 {
  using WBlock = BlockQ4_0;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i q = _mm256_sub_epi8(UnpackNibbles(x.qs), _mm256_set1_epi8(8));
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v = Scaled(H2F(x.d) * H2F(y[t]->d), DotS8(q, Load(y[t]->qs)), acc[t].v);
    }
  }
};

struct Q5_0 : Q8_0 {
  using WBlock = BlockQ5_0;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    // q - 16 = nibble - 16 where the fifth bit is clear: OR 0xF0 into those bytes.
    const __m256i clear = _mm256_andnot_si256(ExpandBits(x.qh), _mm256_set1_epi8(char(0xF0)));
    const __m256i q = _mm256_or_si256(UnpackNibbles(x.qs), clear);
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v = Scaled(H2F(x.d) * H2F(y[t]->d), DotS8(q, Load(y[t]->qs)), acc[t].v);
    }
  }
};

// Q4_1/Q5_1: sum(d*q + m) * dy * y = d*dy*sum(q*y) + m * (dy*sum(y)), the latter stored as s.
struct Q4_1 {
  using WBlock = BlockQ4_1;
  using ABlock = BlockQ8_1;
  static constexpr int kBlock = kQK;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i q = UnpackNibbles(x.qs);
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v = Scaled(H2F(x.d) * H2F(y[t]->d), DotU8S8(q, Load(y[t]->qs)), acc[t].v);
      acc[t].s += H2F(x.m) * H2F(y[t]->s);
    }
  }
  static float Finish(const Acc& acc) { return HorizontalSum(acc.v) + acc.s; }
};

struct Q5_1 : Q4_1 {
  using WBlock = BlockQ5_1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i high = _mm256_and_si256(ExpandBits(x.qh), _mm256_set1_epi8(16));
    const __m256i q = _mm256_or_si256(UnpackNibbles(x.qs), high);
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v = Scaled(H2F(x.d) * H2F(y[t]->d), DotU8S8(q, Load(y[t]->qs)), acc[t].v);
      acc[t].s += H2F(x.m) * H2F(y[t]->s);
    }
  }
};

inline __m256 LoadF16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float DotF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(LoadF16(x + i), LoadF16(y + i), acc0);
    acc1 = _mm256_fmadd_ps(LoadF16(x + i + 8), LoadF16(y + i + 8), acc1);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += H2F(x[i]) * H2F(y[i]);
  return sum;
}

// BF16 is the top half of an F32: widen to 32 bits and shift into place.
inline __m256 LoadBF16(const uint16_t* p) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

inline float BF16Scalar(uint16_t h) {
  const uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float DotBF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(LoadBF16(x + i), LoadBF16(y + i), acc0);
    acc1 = _mm256_fmadd_ps(LoadBF16(x + i + 8), LoadBF16(y + i + 8), acc1);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += BF16Scalar(x[i]) * BF16Scalar(y[i]);
  return sum;
}

float DotF32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

// The step kernel of each 32-element block format in the form Fn (rows4_avx2.h).
template <class Fn>
Fn BlockTable(DType t) {
  switch (t) {
    case DType::kQ4_0:
      return Form<Fn>::template Of<Q4_0>();
    case DType::kQ4_1:
      return Form<Fn>::template Of<Q4_1>();
    case DType::kQ5_0:
      return Form<Fn>::template Of<Q5_0>();
    case DType::kQ5_1:
      return Form<Fn>::template Of<Q5_1>();
    case DType::kQ8_0:
      return Form<Fn>::template Of<Q8_0>();
    default:
      return nullptr;
  }
}

}  // namespace

VecDotFn Avx2VecDot(DType t) {
  switch (t) {
    case DType::kF32:
      return DotF32;
    case DType::kF16:
      return DotF16;
    case DType::kBF16:
      return DotBF16;
    default:
      if (VecDotFn f = BlockTable<VecDotFn>(t)) return f;
      return Avx2KQuantVecDot(t);
  }
}

VecDot4Fn Avx2VecDot4(DType t) {
  if (VecDot4Fn f = BlockTable<VecDot4Fn>(t)) return f;
  return Avx2KQuantVecDot4(t);
}

Gemm4x4Fn Avx2Gemm4x4(DType t) {
  if (Gemm4x4Fn f = BlockTable<Gemm4x4Fn>(t)) return f;
  return Avx2KQuantGemm4x4(t);
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2VecDot(DType) { return nullptr; }
VecDot4Fn Avx2VecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx2Gemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
