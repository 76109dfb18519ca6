// AVX-512 VNNI dot products of the K-quants (Q2_K to Q6_K) with Q8_K activations:
// single-row and four-row (decode; Q4_K to Q6_K) forms and 4×4 prompt tiles. vpdpbusd multiplies
// the unsigned quants by the signed activations four at a time; every 32-bit lane then holds a sum
// of four products that fits in 16 bits, so vpdpwssd can apply the sub-block scale (placed in the
// low half of each lane, high half zero) and accumulate in one instruction. Constant offsets
// (Q2_K's, Q4_K's and Q5_K's mins; Q3_K's -4 and Q6_K's -32, which keep the quants unsigned for
// vpdpbusd) are applied through the activation block sums.
#if defined(__x86_64__) || defined(__i386__)
#include <type_traits>

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

// A K-quant super-block unpacked into what the integer dot needs: the quants as unsigned
// bytes in activation order (8 chunks of 32), each chunk's scale placed for vpdpwssd, and
// the block's constant offset (Q4_K/Q5_K: a min per chunk; Q6_K: -32 times the scales).
// Unpacking is most of a K-quant dot's work, so the prompt kernel unpacks a block once and
// uses it for four tokens; the decode kernels unpack and use it at once, and the compiler
// keeps it in registers.
struct UnpackedK {
  __m256i q[8];
  __m256i scale[8];
  __m256i mins;  // Q4_K/Q5_K: min of each 32-element chunk (int32)
  __m256i sc16;  // Q3_K/Q6_K: scale of each 16 elements (int16); Q2_K: min of each 16

  float d = 0, dmin = 0;
};

// Q4_K and Q5_K: value = d * scale * q - dmin * min per 32-element sub-block.
template <bool kFifthBit, typename Block>
inline void UnpackK45(const Block& b, UnpackedK* u) {
  alignas(16) uint8_t sm[16];
  const __m128i scales_mins = ScalesMinsK4(b.scales);
  _mm_store_si128(reinterpret_cast<__m128i*>(sm), scales_mins);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  __m256i qh;
  if constexpr (kFifthBit) qh = Load(b.qh);
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
    u->q[2 * j] = lo;
    u->q[2 * j + 1] = hi;
    u->scale[2 * j] = LaneScale(sm[2 * j]);
    u->scale[2 * j + 1] = LaneScale(sm[2 * j + 1]);
  }
  u->mins = _mm256_cvtepu8_epi32(_mm_srli_si128(scales_mins, 8));
  u->d = H2F(b.d);
  u->dmin = H2F(b.dmin);
}

// Q6_K: value = d * scale * (q - 32), q six bits, signed scale per 16 elements.
inline void UnpackQ6K(const BlockQ6_K& b, UnpackedK* u) {
  const __m256i mask4 = _mm256_set1_epi8(0x0F);
  const __m256i mask2 = _mm256_set1_epi8(0x03);
  u->sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const __m256i qh = Load(b.qh + 32 * half);
    const int8_t* sc = b.scales + 8 * half;
    const __m256i l0 = Load(ql), l1 = Load(ql + 32);
    __m256i* q = u->q + 4 * half;
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, mask4),
                           _mm256_slli_epi16(_mm256_and_si256(qh, mask2), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, mask4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), mask2), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), mask4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), mask2), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), mask4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), mask2), 4));
    for (int k = 0; k < 4; ++k) u->scale[4 * half + k] = LaneScales(sc[2 * k], sc[2 * k + 1]);
  }
  u->d = H2F(b.d);
}

// Scales per 16 elements (int32, eight at a time) placed for vpdpwssd: chunk c of 32
// elements takes scales 2c and 2c+1, one per 128-bit half. A lane permute instead of the
// scalar extract + broadcast of LaneScales; the high 16 bits must be zero (see LaneScale).
inline void ChunkScales16(__m256i lo8, __m256i hi8, __m256i* scale) {
  for (int c = 0; c < 4; ++c) {
    const __m256i idx = _mm256_set_m128i(_mm_set1_epi32(2 * c + 1), _mm_set1_epi32(2 * c));
    scale[c] = _mm256_permutevar8x32_epi32(lo8, idx);
    scale[c + 4] = _mm256_permutevar8x32_epi32(hi8, idx);
  }
}

// The 2-bit fields at `shift` of 32 packed bytes: chunk c of a Q2_K/Q3_K half holds bits
// 2*(c%4) of the half's 32 quant bytes.
inline __m256i TwoBits(__m256i q, int shift) {
  return _mm256_and_si256(_mm256_srli_epi16(q, shift), _mm256_set1_epi8(0x03));
}

// Q2_K: value = d * scale * q - dmin * min, q two bits, 4-bit scale and min per 16 elements.
inline void UnpackQ2K(const BlockQ2_K& b, UnpackedK* u) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
  const __m128i scales = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
  ChunkScales16(_mm256_cvtepu8_epi32(scales), _mm256_cvtepu8_epi32(_mm_srli_si128(scales, 8)),
                u->scale);
  u->sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
  for (int half = 0; half < 2; ++half) {
    const __m256i q = Load(b.qs + 32 * half);
    for (int s = 0; s < 4; ++s) u->q[4 * half + s] = TwoBits(q, 2 * s);
  }
  u->d = H2F(b.d);
  u->dmin = H2F(b.dmin);
}

// Q3_K: value = d * scale * (q - 4), q = two low bits | high bit (hmask bit c for chunk c)
// << 2, so 0..7 unsigned; signed six-bit scale per 16 elements.
inline void UnpackQ3K(const BlockQ3_K& b, UnpackedK* u) {
  const __m128i scales = ScalesQ3K(b.scales);
  ChunkScales16(_mm256_cvtepi8_epi32(scales), _mm256_cvtepi8_epi32(_mm_srli_si128(scales, 8)),
                u->scale);
  // Sign-extended scales reach vpdpwssd's zero high half only after masking.
  for (__m256i& s : u->scale) s = _mm256_and_si256(s, _mm256_set1_epi32(0xFFFF));
  u->sc16 = _mm256_cvtepi8_epi16(scales);
  const __m256i hmask = Load(b.hmask);
  const __m256i four = _mm256_set1_epi8(4);
  for (int half = 0; half < 2; ++half) {
    const __m256i q = Load(b.qs + 32 * half);
    for (int s = 0; s < 4; ++s) {
      const int c = 4 * half + s;
      const __m256i low = TwoBits(q, 2 * s);
      const __mmask32 high = _mm256_test_epi8_mask(hmask, _mm256_set1_epi8(char(1 << c)));
      u->q[c] = _mm256_mask_add_epi8(low, high, low, four);
    }
  }
  u->d = H2F(b.d);
}

// acc += the unpacked block times one Q8_K activation block (8 partial sums per lane).
template <typename Block>
inline void AccumulateUnpacked(const UnpackedK& u, const Q8KRegs& y, __m256* acc) {
  constexpr bool kQ6 = std::is_same_v<Block, BlockQ6_K>;
  constexpr bool kQ3 = std::is_same_v<Block, BlockQ3_K>;
  constexpr bool kQ2 = std::is_same_v<Block, BlockQ2_K>;
  __m256i sum = _mm256_setzero_si256();
  if constexpr (kQ6 || kQ3) {
    // -offset * sum over groups of scale * (group sum of activations), lane by lane.
    const __m256i scaled_sums = _mm256_madd_epi16(u.sc16, y.bsums);
    sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(scaled_sums, kQ6 ? 5 : 2));
  }
  for (int c = 0; c < 8; ++c) {
    const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u.q[c], y.q[c]);
    sum = _mm256_dpwssd_epi32(sum, p, u.scale[c]);
  }
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(u.d * y.d), _mm256_cvtepi32_ps(sum), *acc);
  if constexpr (kQ2) {
    const __m256i min_terms = _mm256_madd_epi16(u.sc16, y.bsums);
    *acc = _mm256_fnmadd_ps(_mm256_set1_ps(u.dmin * y.d), _mm256_cvtepi32_ps(min_terms), *acc);
  } else if constexpr (!kQ6 && !kQ3) {
    const __m256i min_terms = _mm256_mullo_epi32(u.mins, y.pair_sums);
    *acc = _mm256_fnmadd_ps(_mm256_set1_ps(u.dmin * y.d), _mm256_cvtepi32_ps(min_terms), *acc);
  }
}

template <typename Block>
inline void Unpack(const Block& b, UnpackedK* u) {
  if constexpr (std::is_same_v<Block, BlockQ2_K>) UnpackQ2K(b, u);
  if constexpr (std::is_same_v<Block, BlockQ3_K>) UnpackQ3K(b, u);
  if constexpr (std::is_same_v<Block, BlockQ4_K>) UnpackK45<false>(b, u);
  if constexpr (std::is_same_v<Block, BlockQ5_K>) UnpackK45<true>(b, u);
  if constexpr (std::is_same_v<Block, BlockQ6_K>) UnpackQ6K(b, u);
}

template <typename Block>
inline void Accumulate(const Block& b, const Q8KRegs& y, __m256* acc) {
  UnpackedK u;
  Unpack(b, &u);
  AccumulateUnpacked<Block>(u, y, acc);
}

template <typename Block>
float DotK(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) Accumulate<Block>(x[i], LoadQ8K(y[i]), &acc);
  return HorizontalSum(acc);
}

template <typename Block>
void DotK4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const Q8KRegs yr = LoadQ8K(y[i]);
    for (int r = 0; r < 4; ++r) {
      // The same block of the next group of four rows (see Dot5x4 in vec_dot_avx512.cc):
      // the hardware prefetcher does not follow four interleaved row streams.
      PrefetchBytes(reinterpret_cast<const uint8_t*>(&x[r][i]) + 4 * row_bytes, sizeof(Block));
      Accumulate<Block>(x[r][i], yr, &acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

// The prompt tile: rows r..r+3 against tokens t..t+3. Each weight block is unpacked once
// and dotted with the four tokens' activations, which stay in L1. The arithmetic is the
// decode kernels', so prefill and decode compute bit-identical values.
template <typename Block>
void GemmK(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
           float* out, size_t out_stride) {
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    Q8KRegs y[4];
    for (int k = 0; k < 4; ++k) y[k] = LoadQ8K(RowAt<BlockQ8_K>(a, a_row_bytes, k)[i]);
    for (int r = 0; r < 4; ++r) {
      UnpackedK u;
      Unpack(RowAt<Block>(w, w_row_bytes, r)[i], &u);
      for (int k = 0; k < 4; ++k) {
        AccumulateUnpacked<Block>(u, y[k], &acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

}  // namespace

VecDotFn Avx512KQuantVecDot(DType t) {
  switch (t) {
    case DType::kQ2_K:
      return DotK<BlockQ2_K>;
    case DType::kQ3_K:
      return DotK<BlockQ3_K>;
    case DType::kQ4_K:
      return DotK<BlockQ4_K>;
    case DType::kQ5_K:
      return DotK<BlockQ5_K>;
    case DType::kQ6_K:
      return DotK<BlockQ6_K>;
    default:
      return nullptr;
  }
}

// Q2_K and Q3_K decode one row at a time: their four-row form measured 5-15% slower (in
// cache and from DRAM alike); their blocks are small, so sharing the activation loads
// saves little, and the four unpacked blocks do not fit in the registers.
VecDot4Fn Avx512KQuantVecDot4(DType t) {
  switch (t) {
    case DType::kQ4_K:
      return DotK4<BlockQ4_K>;
    case DType::kQ5_K:
      return DotK4<BlockQ5_K>;
    case DType::kQ6_K:
      return DotK4<BlockQ6_K>;
    default:
      return nullptr;
  }
}

Gemm4x4Fn Avx512KQuantGemm4x4(DType t) {
  switch (t) {
    case DType::kQ2_K:
      return GemmK<BlockQ2_K>;
    case DType::kQ3_K:
      return GemmK<BlockQ3_K>;
    case DType::kQ4_K:
      return GemmK<BlockQ4_K>;
    case DType::kQ5_K:
      return GemmK<BlockQ5_K>;
    case DType::kQ6_K:
      return GemmK<BlockQ6_K>;
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
Gemm4x4Fn Avx512KQuantGemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
