// AVX-512 VNNI kernels for F16, BF16 (with AVX512_BF16), Q4_0, Q5_0, Q5_1 and Q8_0 (K-quants:
// vec_dot_kquant_avx512.cc). The
// byte dot product instruction (vpdpbusd) replaces AVX2's maddubs+madd pair and cannot
// saturate. 256-bit registers for the block formats: one Q8_0 block per register keeps
// per-block scales simple, and on these cores the 512-bit form brings no more load
// bandwidth for decode. Types without a kernel here fall back to AVX2.
#if defined(__x86_64__) || defined(__i386__)
#include <cstring>
#include <type_traits>

#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

float DotQ8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const int64_t nb = n / kQK;
  int64_t i = 0;
  // Two independent accumulators hide the latency of the dependent FMA chain.
  for (; i + 1 < nb; i += 2) {
    const __m256i x0 = Load(x[i].qs), x1 = Load(x[i + 1].qs);
    const __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x0),
                                           _mm256_sign_epi8(Load(y[i].qs), x0));
    const __m256i s1 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x1),
                                           _mm256_sign_epi8(Load(y[i + 1].qs), x1));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i + 1].d) * H2F(y[i + 1].d)),
                           _mm256_cvtepi32_ps(s1), acc1);
  }
  for (; i < nb; ++i) {
    const __m256i x0 = Load(x[i].qs);
    const __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x0),
                                           _mm256_sign_epi8(Load(y[i].qs), x0));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
  }
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

float DotQ4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
    const __m256i yv = Load(y[i].qs);
    // Nibbles are unsigned: sum(q*y) - 8*sum(y), both with the unsigned×signed product.
    __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, yv);
    const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
    s = _mm256_sub_epi32(s, ysum);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[i].d) * H2F(y[i].d)), _mm256_cvtepi32_ps(s), acc);
  }
  return HorizontalSum(acc);
}

// Q5_0 and Q5_1 share a quant layout: 16 bytes of nibbles plus 32 fifth bits, bit j for
// element j in activation order, which is exactly a byte mask for the unpacked nibbles. The
// quants stay unsigned for vpdpbusd; Q5_0's -16 goes through the activation sum (16 * sum(y),
// once per activation block), Q5_1's min through the activation block's d * sum(y) (Q8_1's
// s). The structure follows Q4_0: one-row, four-row and 4×4 forms over the same helpers.
template <typename Block>
constexpr bool kHasMin = std::is_same_v<Block, BlockQ5_1>;
template <typename Block>
using Q8For = std::conditional_t<kHasMin<Block>, BlockQ8_1, BlockQ8_0>;

// One activation block in registers, shared by every weight row it meets.
struct Q8Regs {
  __m256i q;
  __m256i sum16;  // Q5_0: 16 * (sum of the activations) spread over the lanes
  float d, s;     // Q5_1: s = d * sum(activations)
};

template <typename Block>
inline Q8Regs LoadQ8(const Q8For<Block>& y) {
  Q8Regs r;
  r.q = Load(y.qs);
  r.d = H2F(y.d);
  if constexpr (kHasMin<Block>) {
    r.sum16 = _mm256_setzero_si256();
    r.s = H2F(y.s);
  } else {
    r.sum16 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(16), r.q);
    r.s = 0;
  }
  return r;
}

struct Unpacked5 {
  __m256i q;  // 0..31
  float d, m;
};

template <typename Block>
inline Unpacked5 Unpack5(const Block& b) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
  const __m256i nibbles =
      _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
  uint32_t high;
  std::memcpy(&high, b.qh, 4);
  Unpacked5 u;
  u.q = _mm256_mask_add_epi8(nibbles, __mmask32(high), nibbles, _mm256_set1_epi8(16));
  u.d = H2F(b.d);
  if constexpr (kHasMin<Block>) {
    u.m = H2F(b.m);
  } else {
    u.m = 0;
  }
  return u;
}

// acc += one block's integer dot times its scales; Q5_1's min term goes to *offset.
template <typename Block>
inline void Accumulate5(const Unpacked5& u, const Q8Regs& y, __m256* acc, float* offset) {
  __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u.q, y.q);
  if constexpr (!kHasMin<Block>) s = _mm256_sub_epi32(s, y.sum16);
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(u.d * y.d), _mm256_cvtepi32_ps(s), *acc);
  if constexpr (kHasMin<Block>) *offset += u.m * y.s;
}

template <typename Block>
float Dot5(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const Q8For<Block>*>(a);
  __m256 acc = _mm256_setzero_ps();
  float offset = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    Accumulate5<Block>(Unpack5(x[i]), LoadQ8<Block>(y[i]), &acc, &offset);
  }
  return HorizontalSum(acc) + offset;
}

template <typename Block>
void Dot5x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const Q8For<Block>*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  float offset[4] = {};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const Q8Regs yr = LoadQ8<Block>(y[i]);
    for (int r = 0; r < 4; ++r) {
      // The next call reads the four rows after these. Four interleaved row streams defeat
      // the hardware prefetcher (from DRAM this ran at a third of the one-row speed), so
      // fetch the same block of the next group while this one is worked on.
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i]) + 4 * row_bytes, _MM_HINT_T0);
      Accumulate5<Block>(Unpack5(x[r][i]), yr, &acc[r], &offset[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]) + offset[r];
}

inline float HorizontalSum512(__m512 v) {
  const __m256 lo = _mm512_maskz_extractf32x8_ps(__mmask8(0xFF), v, 0);
  const __m256 hi = _mm512_maskz_extractf32x8_ps(__mmask8(0xFF), v, 1);
  return HorizontalSum(_mm256_add_ps(lo, hi));
}

// (Zero-masked intrinsic forms below for the GCC 12 reason given at CvtPh.)
// Two consecutive blocks side by side in one 512-bit register (the second zero when only one
// is left), so that in the prompt tile the dot, the conversion to float and the scaling each
// cover 64 elements per instruction: per block and token-row pair that float work, not the
// unpacking, is what the tile spends its time on.
template <int kBlocks>
inline __m512i PairI(__m256i first, __m256i second) {
  const __m512i lo = _mm512_maskz_inserti64x4(__mmask8(0xFF), _mm512_setzero_si512(), first, 0);
  return kBlocks == 2 ? _mm512_maskz_inserti64x4(__mmask8(0xFF), lo, second, 1) : lo;
}

inline __m512 PairF(float first, float second) {
  return _mm512_maskz_insertf32x8(__mmask16(0xFFFF), _mm512_set1_ps(first), _mm256_set1_ps(second),
                                  1);
}

// The 4×4 tile over blocks i (and i + 1 when kBlocks is 2). Q5_1's min terms go to
// offsets, lane 4k + r for token k and row r.
template <typename Block, int kBlocks>
inline void Gemm5Step(const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
                      int64_t i, __m512 acc[4][4], __m512* offsets) {
  __m512i q[4];
  __m512 dw[4];
  alignas(16) float m[2][4], s[2][4];
  for (int r = 0; r < 4; ++r) {
    const Block* b = RowAt<Block>(w, w_row_bytes, r) + i;
    const Unpacked5 u0 = Unpack5(b[0]);
    const Unpacked5 u1 = kBlocks == 2 ? Unpack5(b[1]) : Unpacked5{_mm256_setzero_si256(), 0, 0};
    q[r] = PairI<kBlocks>(u0.q, u1.q);
    dw[r] = PairF(u0.d, u1.d);
    m[0][r] = u0.m;
    m[1][r] = u1.m;
  }
  for (int k = 0; k < 4; ++k) {
    const auto* y = RowAt<Q8For<Block>>(a, a_row_bytes, k) + i;
    const __m512i yv =
        PairI<kBlocks>(Load(y[0].qs), kBlocks == 2 ? Load(y[1].qs) : _mm256_setzero_si256());
    const __m512 dy = PairF(H2F(y[0].d), kBlocks == 2 ? H2F(y[1].d) : 0.0f);
    __m512i sum16 = _mm512_setzero_si512();
    if constexpr (!kHasMin<Block>) {
      sum16 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(16), yv);
    } else {
      s[0][k] = H2F(y[0].s);
      s[1][k] = kBlocks == 2 ? H2F(y[1].s) : 0.0f;
    }
    for (int r = 0; r < 4; ++r) {
      __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[r], yv);
      if constexpr (!kHasMin<Block>) dot = _mm512_sub_epi32(dot, sum16);
      acc[k][r] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], dy), _mm512_maskz_cvtepi32_ps(0xFFFF, dot),
                                  acc[k][r]);
    }
  }
  if constexpr (kHasMin<Block>) {
    // Lane 4k + r: m[r] (the four rows repeated) times s[k] (each token four times).
    const __m512i token_of_lane = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    for (int j = 0; j < kBlocks; ++j) {
      const __m512 mv = _mm512_maskz_broadcast_f32x4(__mmask16(0xFFFF), _mm_load_ps(m[j]));
      const __m512 sv = _mm512_maskz_permutexvar_ps(
          __mmask16(0xFFFF), token_of_lane,
          _mm512_maskz_broadcast_f32x4(__mmask16(0xFFFF), _mm_load_ps(s[j])));
      *offsets = _mm512_fmadd_ps(mv, sv, *offsets);
    }
  }
}

template <typename Block>
void Gemm5(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
           float* out, size_t out_stride) {
  __m512 acc[4][4];
  for (auto& row : acc) {
    for (__m512& v : row) v = _mm512_setzero_ps();
  }
  __m512 offsets = _mm512_setzero_ps();
  const int64_t nb = n / kQK;
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    Gemm5Step<Block, 2>(w, w_row_bytes, a, a_row_bytes, i, acc, &offsets);
  }
  if (i < nb) Gemm5Step<Block, 1>(w, w_row_bytes, a, a_row_bytes, i, acc, &offsets);
  alignas(64) float offset[16];
  _mm512_store_ps(offset, offsets);
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) {
      out[k * out_stride + r] = HorizontalSum512(acc[k][r]) + offset[4 * k + r];
    }
  }
}

// F16 -> F32, 16 lanes. The zero-masked forms of these intrinsics avoid GCC 12's bogus
// "uninitialized" warnings about the undefined pass-through operand of the plain forms.
inline __m512 CvtPh(__m256i h) { return _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), h); }

// F16 x F16 in 512-bit registers: float FMAs are the bottleneck here, not loads. The tail
// uses masked loads (zeros contribute nothing).
float DotF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm512_fmadd_ps(CvtPh(Load(x + i)), CvtPh(Load(y + i)), acc0);
    acc1 = _mm512_fmadd_ps(CvtPh(Load(x + i + 16)), CvtPh(Load(y + i + 16)), acc1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    const __m512 xv = CvtPh(_mm256_maskz_loadu_epi16(m, x + i));
    const __m512 yv = CvtPh(_mm256_maskz_loadu_epi16(m, y + i));
    acc0 = _mm512_fmadd_ps(xv, yv, acc0);
  }
  return HorizontalSum512(_mm512_add_ps(acc0, acc1));
}

// Prompt tile for F16 (a ViT's or an F16 model's matrices): each 16-element slice of four
// weight rows and two activation rows is widened once and feeds eight FMAs, where the one-row
// kernel widens two slices per FMA. Per (row, token) the arithmetic is DotF16's exactly (its
// two chains, its tail, its final sum), so a token gives the same logits in a prompt tile as
// alone (the prompt cache relies on it); two chains for 4 x 4 pairs would not fit the 32
// registers, hence two passes of two tokens over the four rows (which stay in L1).
void GemmF16(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
             float* out, size_t out_stride) {
  const uint16_t* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<uint16_t>(w, w_row_bytes, r);
  for (int k0 = 0; k0 < 4; k0 += 2) {
    const uint16_t* y[2] = {RowAt<uint16_t>(a, a_row_bytes, k0),
                            RowAt<uint16_t>(a, a_row_bytes, k0 + 1)};
    __m512 acc[2][4][2];
    for (auto& token : acc) {
      for (auto& row : token) row[0] = row[1] = _mm512_setzero_ps();
    }
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      for (int c = 0; c < 2; ++c) {
        __m512 wv[4];
        for (int r = 0; r < 4; ++r) wv[r] = CvtPh(Load(x[r] + i + 16 * c));
        for (int k = 0; k < 2; ++k) {
          const __m512 av = CvtPh(Load(y[k] + i + 16 * c));
          for (int r = 0; r < 4; ++r) acc[k][r][c] = _mm512_fmadd_ps(wv[r], av, acc[k][r][c]);
        }
      }
    }
    for (; i < n; i += 16) {
      const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
      __m512 wv[4];
      for (int r = 0; r < 4; ++r) wv[r] = CvtPh(_mm256_maskz_loadu_epi16(m, x[r] + i));
      for (int k = 0; k < 2; ++k) {
        const __m512 av = CvtPh(_mm256_maskz_loadu_epi16(m, y[k] + i));
        for (int r = 0; r < 4; ++r) acc[k][r][0] = _mm512_fmadd_ps(wv[r], av, acc[k][r][0]);
      }
    }
    for (int k = 0; k < 2; ++k) {
      for (int r = 0; r < 4; ++r) {
        out[(k0 + k) * out_stride + r] =
            HorizontalSum512(_mm512_add_ps(acc[k][r][0], acc[k][r][1]));
      }
    }
  }
}

// BF16 weights with BF16 activations (AVX512_BF16): vdpbf16ps multiplies 32 pairs, exactly
// in F32, and adds each adjacent two into an F32 lane. Tails use masked loads (zeros add
// nothing). The activations are already BF16, so nothing is widened. Decode has no four-row
// form: reading four rows at once measured 1.6x slower than one row at a time (llama-1B
// FFN shape, 4 KiB rows), as for F16.
inline __m512bh AsBf16(__m512i v) { return (__m512bh)v; }

// Which of the 32 elements from i on exist in a row of n. A masked load costs what a plain
// one does, so every step uses one and the tail needs no separate loop.
inline __mmask32 TailMask(int64_t i, int64_t n) {
  return n - i >= 32 ? __mmask32(0xFFFFFFFF) : __mmask32((1u << (n - i)) - 1);
}

inline __m512bh LoadBf16(__mmask32 m, const uint16_t* p) {
  return AsBf16(_mm512_maskz_loadu_epi16(m, p));
}

float DotBF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  constexpr __mmask32 kAll = 0xFFFFFFFF;
  // Two chains hide the instruction's latency.
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_dpbf16_ps(acc0, LoadBf16(kAll, x + i), LoadBf16(kAll, y + i));
    acc1 = _mm512_dpbf16_ps(acc1, LoadBf16(kAll, x + i + 32), LoadBf16(kAll, y + i + 32));
  }
  for (; i < n; i += 32) {
    const __mmask32 m = TailMask(i, n);
    acc0 = _mm512_dpbf16_ps(acc0, LoadBf16(m, x + i), LoadBf16(m, y + i));
  }
  return HorizontalSum512(_mm512_add_ps(acc0, acc1));
}

// Prompt tile: four weight and four activation loads feed 16 dot instructions, where the
// one-row kernel needs two loads per instruction.
void GemmBF16(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  __m512 acc[4][4];
  for (auto& row : acc) {
    for (__m512& v : row) v = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < n; i += 32) {
    const __mmask32 m = TailMask(i, n);
    __m512bh wv[4];
    for (int r = 0; r < 4; ++r) wv[r] = LoadBf16(m, RowAt<uint16_t>(w, w_row_bytes, r) + i);
    for (int k = 0; k < 4; ++k) {
      const __m512bh av = LoadBf16(m, RowAt<uint16_t>(a, a_row_bytes, k) + i);
      for (int r = 0; r < 4; ++r) acc[k][r] = _mm512_dpbf16_ps(acc[k][r], wv[r], av);
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum512(acc[k][r]);
  }
}

void DotQ4_0x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const BlockQ4_0* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<BlockQ4_0>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      // Software prefetch a few hundred bytes ahead in each of the four row streams: the
      // hardware prefetcher alone left ~12% of decode speed on the table here.
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i + 16]), _MM_HINT_T0);
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[r][i].qs));
      const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
      const __m256i s = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), q, yv), ysum);
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[r][i].d) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

void DotQ8_0x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const BlockQ8_0* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<BlockQ8_0>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i + 12]), _MM_HINT_T0);
      const __m256i xv = Load(x[r][i].qs);
      const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(xv),
                                            _mm256_sign_epi8(yv, xv));
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(H2F(x[r][i].d) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

void GemmQ4_0(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256i q[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const BlockQ4_0& b = RowAt<BlockQ4_0>(w, w_row_bytes, r)[i];
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
      q[r] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), mask);
      dx[r] = H2F(b.d);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& y = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(y.qs);
      const __m256i ysum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, yv);
      const float dy = H2F(y.d);
      for (int r = 0; r < 4; ++r) {
        const __m256i s =
            _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), q[r], yv), ysum);
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy), _mm256_cvtepi32_ps(s), acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

void GemmQ8_0(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256i q[4], aq[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const BlockQ8_0& b = RowAt<BlockQ8_0>(w, w_row_bytes, r)[i];
      q[r] = Load(b.qs);
      aq[r] = _mm256_abs_epi8(q[r]);
      dx[r] = H2F(b.d);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& y = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(y.qs);
      const float dy = H2F(y.d);
      for (int r = 0; r < 4; ++r) {
        const __m256i s =
            _mm256_dpbusd_epi32(_mm256_setzero_si256(), aq[r], _mm256_sign_epi8(yv, q[r]));
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy), _mm256_cvtepi32_ps(s), acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

}  // namespace

Gemm4x4Fn Avx512Gemm4x4(DType t) {
  switch (t) {
    case DType::kF16:
      return GemmF16;
    case DType::kQ4_0:
      return GemmQ4_0;
    case DType::kQ5_0:
      return Gemm5<BlockQ5_0>;
    case DType::kQ5_1:
      return Gemm5<BlockQ5_1>;
    case DType::kBF16:
      return HasAvx512Bf16() ? GemmBF16 : nullptr;
    case DType::kQ8_0:
      return GemmQ8_0;
    default:
      return Avx512KQuantGemm4x4(t);
  }
}

VecDot4Fn Avx512VecDot4(DType t) {
  switch (t) {
    case DType::kQ4_0:
      return DotQ4_0x4;
    case DType::kQ5_0:
      return Dot5x4<BlockQ5_0>;
    case DType::kQ5_1:
      return Dot5x4<BlockQ5_1>;
    case DType::kQ8_0:
      return DotQ8_0x4;
    default:
      return Avx512KQuantVecDot4(t);
  }
}

VecDotFn Avx512VecDot(DType t) {
  switch (t) {
    case DType::kF16:
      return DotF16;
    case DType::kQ4_0:
      return DotQ4_0;
    case DType::kQ5_0:
      return Dot5<BlockQ5_0>;
    case DType::kQ5_1:
      return Dot5<BlockQ5_1>;
    case DType::kBF16:
      return HasAvx512Bf16() ? DotBF16 : nullptr;
    case DType::kQ8_0:
      return DotQ8_0;
    default:
      return Avx512KQuantVecDot(t);
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx512VecDot(DType) { return nullptr; }
VecDot4Fn Avx512VecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx512Gemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
