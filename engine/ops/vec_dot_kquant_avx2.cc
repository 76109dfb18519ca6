// AVX2 dot products of the K-quants (256-element super-blocks) with Q8_K activations.
// Unsigned quants meet the signed activations in maddubs; sub-block scales are applied to
// the int16 pair sums with madd; constant offsets (Q6_K's -32, Q2_K's and Q4_K/Q5_K's
// mins) go through the activation block sums instead of per element.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/rows4_avx2.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// int16 scale vector: s0 for the low 16 bytes' pair sums, s1 for the high 16 bytes'.
inline __m256i Scales16(int s0, int s1) {
  return _mm256_set_m128i(_mm_set1_epi16(short(s1)), _mm_set1_epi16(short(s0)));
}

// Sum over the 8 sub-blocks of min[j] * (sum of the 32 activations of sub-block j).
inline int MinsTimesBsums(__m128i scales_mins, const int16_t* bsums) {
  const __m256i pair_sums = _mm256_madd_epi16(Load(bsums), _mm256_set1_epi16(1));
  const __m256i mins = _mm256_cvtepu8_epi32(_mm_srli_si128(scales_mins, 8));
  return HorizontalSumI32(_mm256_mullo_epi32(mins, pair_sums));
}

// Step kernels (rows4_avx2.h). The weight block's unpacking (nibbles, high bits, scales) is
// done once per block and serves every token; the int32 sums per token are exact.

// Q4_K and Q5_K: the 8 sub-block scales go onto the pair sums, the mins (times the
// activations' sub-block sums) into the scalar beside the lanes. kFifthBit: Q5_K.
template <class Block, bool kFifthBit>
struct K45 {
  using WBlock = Block;
  using ABlock = BlockQ8_K;
  static constexpr int kBlock = kQK_K;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    alignas(16) uint8_t sm[16];
    const __m128i scales_mins = ScalesMinsK4(x.scales);
    _mm_store_si128(reinterpret_cast<__m128i*>(sm), scales_mins);
    __m256i sum[kTokens];
    for (int t = 0; t < kTokens; ++t) sum[t] = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      const __m256i q = Load(x.qs + 32 * j);
      __m256i lo = _mm256_and_si256(q, mask);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
      if constexpr (kFifthBit) {
        // Bit 2j of qh is the fifth bit of the low-nibble element, bit 2j+1 of the high one.
        const __m256i qh = Load(x.qh);
        const __m256i sixteen = _mm256_set1_epi8(16);
        const __m256i bit_lo = _mm256_set1_epi8(char(1 << (2 * j)));
        const __m256i bit_hi = _mm256_set1_epi8(char(2 << (2 * j)));
        lo = _mm256_or_si256(
            lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_lo), bit_lo), sixteen));
        hi = _mm256_or_si256(
            hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_hi), bit_hi), sixteen));
      }
      const __m256i s_lo = _mm256_set1_epi16(sm[2 * j]);
      const __m256i s_hi = _mm256_set1_epi16(sm[2 * j + 1]);
      for (int t = 0; t < kTokens; ++t) {
        const __m256i plo = _mm256_maddubs_epi16(lo, Load(y[t]->qs + 64 * j));
        const __m256i phi = _mm256_maddubs_epi16(hi, Load(y[t]->qs + 64 * j + 32));
        sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(plo, s_lo));
        sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(phi, s_hi));
      }
    }
    for (int t = 0; t < kTokens; ++t) {
      acc[t].v =
          _mm256_fmadd_ps(_mm256_set1_ps(H2F(x.d) * y[t]->d), _mm256_cvtepi32_ps(sum[t]), acc[t].v);
      acc[t].s += H2F(x.dmin) * y[t]->d * float(MinsTimesBsums(scales_mins, y[t]->bsums));
    }
  }
  static float Finish(const Acc& acc) { return HorizontalSum(acc.v) - acc.s; }
};
using Q4_K = K45<BlockQ4_K, false>;
using Q5_K = K45<BlockQ5_K, true>;

struct Q6_K {
  using WBlock = BlockQ6_K;
  using ABlock = BlockQ8_K;
  static constexpr int kBlock = kQK_K;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i mask4 = _mm256_set1_epi8(0x0F);
    const __m256i mask2 = _mm256_set1_epi8(0x03);
    __m256i sum[kTokens];
    for (int t = 0; t < kTokens; ++t) sum[t] = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = x.ql + 64 * half;
      const __m256i qh = Load(x.qh + 32 * half);
      const int8_t* sc = x.scales + 8 * half;
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
        const __m256i scales = Scales16(sc[2 * k], sc[2 * k + 1]);
        for (int t = 0; t < kTokens; ++t) {
          const __m256i p = _mm256_maddubs_epi16(q[k], Load(y[t]->qs + 128 * half + 32 * k));
          sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, scales));
        }
      }
    }
    // The quants are stored +32; subtract 32 * scale * (block sum of the activations).
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales)));
    for (int t = 0; t < kTokens; ++t) {
      const int offset = HorizontalSumI32(_mm256_madd_epi16(sc16, Load(y[t]->bsums)));
      const int isum = HorizontalSumI32(sum[t]) - 32 * offset;
      acc[t].v = _mm256_add_ps(
          acc[t].v, _mm256_setr_ps(H2F(x.d) * y[t]->d * float(isum), 0, 0, 0, 0, 0, 0, 0));
    }
  }
  static float Finish(const Acc& acc) { return HorizontalSum(acc.v); }
};

// Q2_K: 2-bit quants, a 4-bit scale and a 4-bit min per 16 elements. Chunk c (32
// activations) holds bits 2*(c%4) of the 32 quant bytes of half c/4. Summed in the scalar.
struct Q2_K {
  using WBlock = BlockQ2_K;
  using ABlock = BlockQ8_K;
  static constexpr int kBlock = kQK_K;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i mask2 = _mm256_set1_epi8(0x03);
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
    const __m256i mins16 =
        _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
    __m256i sum[kTokens];
    for (int t = 0; t < kTokens; ++t) sum[t] = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const __m256i q = Load(x.qs + 32 * half);
      for (int s = 0; s < 4; ++s) {
        const int c = 4 * half + s;
        const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), mask2);
        const __m256i sc = Scales16(x.scales[2 * c] & 0xF, x.scales[2 * c + 1] & 0xF);
        for (int t = 0; t < kTokens; ++t) {
          const __m256i p = _mm256_maddubs_epi16(v, Load(y[t]->qs + 32 * c));
          sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, sc));
        }
      }
    }
    for (int t = 0; t < kTokens; ++t) {
      const int summs = HorizontalSumI32(_mm256_madd_epi16(mins16, Load(y[t]->bsums)));
      acc[t].s += y[t]->d * H2F(x.d) * float(HorizontalSumI32(sum[t])) -
                  y[t]->d * H2F(x.dmin) * float(summs);
    }
  }
  static float Finish(const Acc& acc) { return acc.s; }
};

// Q3_K: 2 low bits in qs plus a high bit in hmask; value = low - 4 where the high bit is
// clear. Signed 6-bit scales per 16 elements. Summed in the scalar.
struct Q3_K {
  using WBlock = BlockQ3_K;
  using ABlock = BlockQ8_K;
  static constexpr int kBlock = kQK_K;
  static constexpr int kChains = 1;
  template <int kTokens>
  static void Step(const WBlock& x, const ABlock* const* y, Acc* acc) {
    const __m256i mask2 = _mm256_set1_epi8(0x03);
    const __m256i four = _mm256_set1_epi8(4);
    alignas(16) int8_t scales[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(scales), ScalesQ3K(x.scales));
    const __m256i hmask = Load(x.hmask);
    __m256i sum[kTokens];
    for (int t = 0; t < kTokens; ++t) sum[t] = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const __m256i q = Load(x.qs + 32 * half);
      for (int s = 0; s < 4; ++s) {
        const int c = 4 * half + s;
        const __m256i bit = _mm256_set1_epi8(char(1 << c));
        const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), mask2);
        // 4 where the high bit is clear, else 0.
        const __m256i sub =
            _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hmask, bit), bit), four);
        const __m256i sc = Scales16(scales[2 * c], scales[2 * c + 1]);
        for (int t = 0; t < kTokens; ++t) {
          const __m256i yv = Load(y[t]->qs + 32 * c);
          const __m256i p =
              _mm256_sub_epi16(_mm256_maddubs_epi16(v, yv), _mm256_maddubs_epi16(sub, yv));
          sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, sc));
        }
      }
    }
    for (int t = 0; t < kTokens; ++t) {
      acc[t].s += H2F(x.d) * y[t]->d * float(HorizontalSumI32(sum[t]));
    }
  }
  static float Finish(const Acc& acc) { return acc.s; }
};

// The step kernel of each K-quant in the form Fn (rows4_avx2.h).
template <class Fn>
Fn KQuantTable(DType t) {
  switch (t) {
    case DType::kQ2_K:
      return Form<Fn>::template Of<Q2_K>();
    case DType::kQ3_K:
      return Form<Fn>::template Of<Q3_K>();
    case DType::kQ4_K:
      return Form<Fn>::template Of<Q4_K>();
    case DType::kQ5_K:
      return Form<Fn>::template Of<Q5_K>();
    case DType::kQ6_K:
      return Form<Fn>::template Of<Q6_K>();
    default:
      return nullptr;
  }
}

}  // namespace

VecDotFn Avx2KQuantVecDot(DType t) { return KQuantTable<VecDotFn>(t); }
VecDot4Fn Avx2KQuantVecDot4(DType t) { return KQuantTable<VecDot4Fn>(t); }
Gemm4x4Fn Avx2KQuantGemm4x4(DType t) { return KQuantTable<Gemm4x4Fn>(t); }

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx2KQuantVecDot(DType) { return nullptr; }
VecDot4Fn Avx2KQuantVecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx2KQuantGemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
