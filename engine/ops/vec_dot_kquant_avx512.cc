// AVX-512 VNNI dot products of Q4_K, Q5_K and Q6_K with Q8_K activations, single-row and
// four-row (decode) forms. vpdpbusd multiplies the unsigned quants by the signed
// activations four at a time; every 32-bit lane then holds a sum of four products that
// fits in 16 bits, so vpdpwssd can apply the sub-block scale (placed in the low half of
// each lane, high half zero) and accumulate in one instruction. Constant offsets (mins,
// Q6_K's -32) are applied through the activation block sums.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// One Q8_K activation block in registers, shared by the four rows of a Dot4 kernel.
struct Q8KRegs {
  __m256i q[8];       // 8 chunks of 32 activations
  __m256i pair_sums;  // sum of each 32-activation chunk (int32)
  __m256i bsums;      // sums of each 16 activations (int16)
  float d;
};

inline Q8KRegs LoadQ8K(const BlockQ8_K& y) {
  Q8KRegs r;
  for (int c = 0; c < 8; ++c) r.q[c] = Load(y.qs + 32 * c);
  r.bsums = Load(y.bsums);
  r.pair_sums = _mm256_madd_epi16(r.bsums, _mm256_set1_epi16(1));
  r.d = y.d;
  return r;
}

// Per-lane scale for vpdpwssd: s in the low 16 bits, zero in the high 16 bits.
inline __m256i LaneScale(int s) { return _mm256_set1_epi32(s & 0xFFFF); }

inline __m256i LaneScales(int s_lo, int s_hi) {
  return _mm256_set_m128i(_mm_set1_epi32(s_hi & 0xFFFF), _mm_set1_epi32(s_lo & 0xFFFF));
}

// Q4_K and Q5_K: value = d * scale * q - dmin * min per 32-element sub-block.
template <bool kFifthBit, typename Block>
inline void AccumulateK45(const Block& b, const Q8KRegs& y, __m256* acc) {
  alignas(16) uint8_t sm[16];
  const __m128i scales_mins = ScalesMinsK4(b.scales);
  _mm_store_si128(reinterpret_cast<__m128i*>(sm), scales_mins);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  __m256i qh;
  if constexpr (kFifthBit) qh = Load(b.qh);
  __m256i sum = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    const __m256i q = Load(b.qs + 32 * j);
    __m256i lo = _mm256_and_si256(q, mask);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
    if constexpr (kFifthBit) {
      // Bit 2j of qh is the fifth bit of the low-nibble element, bit 2j+1 of the high one.
      const __m256i sixteen = _mm256_set1_epi8(16);
      lo = _mm256_mask_add_epi8(lo, _mm256_test_epi8_mask(qh, _mm256_set1_epi8(char(1 << 2 * j))),
                                lo, sixteen);
      hi = _mm256_mask_add_epi8(hi, _mm256_test_epi8_mask(qh, _mm256_set1_epi8(char(2 << 2 * j))),
                                hi, sixteen);
    }
    const __m256i plo = _mm256_dpbusd_epi32(_mm256_setzero_si256(), lo, y.q[2 * j]);
    const __m256i phi = _mm256_dpbusd_epi32(_mm256_setzero_si256(), hi, y.q[2 * j + 1]);
    sum = _mm256_dpwssd_epi32(sum, plo, LaneScale(sm[2 * j]));
    sum = _mm256_dpwssd_epi32(sum, phi, LaneScale(sm[2 * j + 1]));
  }
  const __m256i mins = _mm256_cvtepu8_epi32(_mm_srli_si128(scales_mins, 8));
  const __m256i min_terms = _mm256_mullo_epi32(mins, y.pair_sums);
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(b.d) * y.d), _mm256_cvtepi32_ps(sum), *acc);
  *acc = _mm256_fnmadd_ps(_mm256_set1_ps(H2F(b.dmin) * y.d), _mm256_cvtepi32_ps(min_terms), *acc);
}

inline void AccumulateQ4K(const BlockQ4_K& b, const Q8KRegs& y, __m256* acc) {
  AccumulateK45<false>(b, y, acc);
}

inline void AccumulateQ5K(const BlockQ5_K& b, const Q8KRegs& y, __m256* acc) {
  AccumulateK45<true>(b, y, acc);
}

// Q6_K: value = d * scale * (q - 32), q six bits, signed scale per 16 elements.
inline void AccumulateQ6K(const BlockQ6_K& b, const Q8KRegs& y, __m256* acc) {
  const __m256i mask4 = _mm256_set1_epi8(0x0F);
  const __m256i mask2 = _mm256_set1_epi8(0x03);
  const __m256i sc16 =
      _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
  // -32 * sum over groups of scale * (group sum of activations), lane by lane.
  __m256i sum = _mm256_slli_epi32(_mm256_madd_epi16(sc16, y.bsums), 5);
  sum = _mm256_sub_epi32(_mm256_setzero_si256(), sum);
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const __m256i qh = Load(b.qh + 32 * half);
    const int8_t* sc = b.scales + 8 * half;
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
      const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), q[k], y.q[4 * half + k]);
      sum = _mm256_dpwssd_epi32(sum, p, LaneScales(sc[2 * k], sc[2 * k + 1]));
    }
  }
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(b.d) * y.d), _mm256_cvtepi32_ps(sum), *acc);
}

template <typename Block, void (*Accumulate)(const Block&, const Q8KRegs&, __m256*)>
float DotK(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) Accumulate(x[i], LoadQ8K(y[i]), &acc);
  return HorizontalSum(acc);
}

template <typename Block, void (*Accumulate)(const Block&, const Q8KRegs&, __m256*)>
void DotK4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const Q8KRegs yr = LoadQ8K(y[i]);
    for (int r = 0; r < 4; ++r) {
      // Two blocks (~300-400 bytes) ahead in each of the four row streams.
      PrefetchBytes(&x[r][i + 2], sizeof(Block));
      Accumulate(x[r][i], yr, &acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

}  // namespace

VecDotFn Avx512KQuantVecDot(DType t) {
  switch (t) {
    case DType::kQ4_K:
      return DotK<BlockQ4_K, AccumulateQ4K>;
    case DType::kQ5_K:
      return DotK<BlockQ5_K, AccumulateQ5K>;
    case DType::kQ6_K:
      return DotK<BlockQ6_K, AccumulateQ6K>;
    default:
      return nullptr;
  }
}

VecDot4Fn Avx512KQuantVecDot4(DType t) {
  switch (t) {
    case DType::kQ4_K:
      return DotK4<BlockQ4_K, AccumulateQ4K>;
    case DType::kQ5_K:
      return DotK4<BlockQ5_K, AccumulateQ5K>;
    case DType::kQ6_K:
      return DotK4<BlockQ6_K, AccumulateQ6K>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx512KQuantVecDot(DType) { return nullptr; }
VecDot4Fn Avx512KQuantVecDot4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
