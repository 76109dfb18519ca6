// The ARM64 NEON dot products of every weight type, written once over the one primitive that
// differs between CPUs: D::Dot(acc, a, b) adds the products of 16 signed bytes into four int32
// lanes. vec_dot_neon.cc gives it as widening multiplies and pairwise adds (any ARMv8-A),
// vec_dot_dotprod.cc as SDOT (ARMv8.2 FEAT_DotProd). Every call covers bytes of one (sub-)block,
// so the lanes' grouping, which differs between the two, never matters: only their total.
//
// Included only by those two files (each compiled with its own -march): everything here has
// internal linkage so that neither's code can stand in for the other's at link time, and the
// F16/BF16 conversions are its own (an external inline one, such as fp16.h's, is one symbol to
// the linker, which may keep the +dotprod file's copy; see engine/ops/simd_x86.h). The scale
// unpackers of quant_blocks.h it calls are plain integer code, inlined at -O2.
#pragma once

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/iq3_grids.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// F16 -> F32 by FCVTL (every ARMv8-A has it): exact, subnormals included.
inline float H2F(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}
inline float B2F(uint16_t h) {
  return vgetq_lane_f32(vreinterpretq_f32_u32(vshll_n_u16(vdup_n_u16(h), 16)), 0);
}

// ---- Plain types: four float accumulators of four lanes, then the tail one at a time. ----

inline float32x4_t SumOfFour(const float32x4_t acc[4]) {
  return vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3]));
}

float NeonDotF32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int k = 0; k < 4; ++k)
      acc[k] = vfmaq_f32(acc[k], vld1q_f32(x + i + 4 * k), vld1q_f32(y + i + 4 * k));
  }
  float sum = vaddvq_f32(SumOfFour(acc));
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

inline float32x4_t HalfToFloat(const uint16_t* p) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}
// BF16 is the top half of an F32: widen with the bits shifted into place.
inline float32x4_t Bf16ToFloat(const uint16_t* p) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}

template <float32x4_t (*Load)(const uint16_t*), float (*One)(uint16_t)>
float NeonDotHalves(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int k = 0; k < 4; ++k)
      acc[k] = vfmaq_f32(acc[k], Load(x + i + 4 * k), Load(y + i + 4 * k));
  }
  float sum = vaddvq_f32(SumOfFour(acc));
  for (; i < n; ++i) sum += One(x[i]) * One(y[i]);
  return sum;
}

// ---- 32-element blocks against Q8_0 / Q8_1 activations. ----

// A Q4_0-style nibble array (element j low, j + 16 high) as two vectors of 0..15.
inline void Nibbles(const uint8_t* qs, int8x16_t* lo, int8x16_t* hi) {
  const uint8x16_t q = vld1q_u8(qs);
  *lo = vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F)));
  *hi = vreinterpretq_s8_u8(vshrq_n_u8(q, 4));
}

// 32 bits (little-endian bytes b[0..3], bit j for element j) as byte masks, 0xFF where set:
// elements 0..15 and 16..31.
inline void BitMasks(const uint8_t* b, uint8x16_t* lo, uint8x16_t* hi) {
  static const uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t bits = vld1q_u8(kBit);
  *lo = vtstq_u8(vcombine_u8(vdup_n_u8(b[0]), vdup_n_u8(b[1])), bits);
  *hi = vtstq_u8(vcombine_u8(vdup_n_u8(b[2]), vdup_n_u8(b[3])), bits);
}

// Q5's fifth bits (little-endian u32, bit j for element j) as 0x10 bytes: elements 0..15 and
// 16..31.
inline void FifthBits(const uint8_t* qh, uint8x16_t* lo, uint8x16_t* hi) {
  BitMasks(qh, lo, hi);
  *lo = vandq_u8(*lo, vdupq_n_u8(0x10));
  *hi = vandq_u8(*hi, vdupq_n_u8(0x10));
}

// v negated where the mask is set.
inline int8x16_t Negate(int8x16_t v, uint8x16_t mask) { return vbslq_s8(mask, vnegq_s8(v), v); }

// The integer dot of 32 weights (lo: elements 0..15, hi: 16..31) with 32 activation bytes.
template <class D>
inline int32x4_t Dot32(int8x16_t lo, int8x16_t hi, const int8_t* q8) {
  return D::Dot(D::Dot(vdupq_n_s32(0), lo, vld1q_s8(q8)), hi, vld1q_s8(q8 + 16));
}

// Per block: the weights as two signed vectors and the block's float factor; the dot adds
// factor * integer sum, accumulated in four float lanes.
template <class D, class Block, class ActBlock, class Unpack>
float NeonDotBlocks32(int64_t n, const void* w, const void* a, Unpack unpack) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const ActBlock*>(a);
  float32x4_t acc = vdupq_n_f32(0);
  float offsets = 0;  // Q4_1/Q5_1: min times the activation sum
  for (int64_t i = 0; i < n / kQK; ++i) {
    int8x16_t lo, hi;
    float scale, offset = 0;
    unpack(x[i], y[i], &lo, &hi, &scale, &offset);
    acc = vmlaq_n_f32(acc, vcvtq_f32_s32(Dot32<D>(lo, hi, y[i].qs)), scale);
    offsets += offset;
  }
  return vaddvq_f32(acc) + offsets;
}

// Q8_0 and Q4_0 also have SMMLA tiles for prompts (vec_dot_i8mm.cc), which give one integer
// per block, row and token. Their one-token kernels do the tiles' float steps in the same
// order: the block's integer sum times its scale added by a fused multiply-add, even and odd
// blocks into two sums (two chains of FMAs in flight) added at the end. So a prompt's tiles
// and one token at a time agree bit for bit, as speculative decoding (a draft verified as a
// batch) and batched sequences need to pick the tokens plain decoding picks.
template <class D, class Block, class Unpack>
float NeonDotBlocks32Tiled(int64_t n, const void* w, const void* a, Unpack unpack) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float acc[2] = {0.0f, 0.0f};
  for (int64_t i = 0; i < n / kQK; ++i) {
    int8x16_t lo, hi;
    float scale, unused = 0;
    unpack(x[i], y[i], &lo, &hi, &scale, &unused);
    const float dot = float(vaddvq_s32(Dot32<D>(lo, hi, y[i].qs)));
    acc[i & 1] = std::fma(dot, scale, acc[i & 1]);
  }
  return acc[0] + acc[1];
}

template <class D>
float NeonDotQ8_0(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32Tiled<D, BlockQ8_0>(
      n, w, a,
      [](const BlockQ8_0& b, const BlockQ8_0& q, int8x16_t* lo, int8x16_t* hi, float* s, float*) {
        *lo = vld1q_s8(b.qs);
        *hi = vld1q_s8(b.qs + 16);
        *s = H2F(b.d) * H2F(q.d);
      });
}

template <class D>
float NeonDotQ4_0(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32Tiled<D, BlockQ4_0>(
      n, w, a,
      [](const BlockQ4_0& b, const BlockQ8_0& q, int8x16_t* lo, int8x16_t* hi, float* s, float*) {
        Nibbles(b.qs, lo, hi);
        *lo = vsubq_s8(*lo, vdupq_n_s8(8));
        *hi = vsubq_s8(*hi, vdupq_n_s8(8));
        *s = H2F(b.d) * H2F(q.d);
      });
}

template <class D>
float NeonDotQ4_1(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32<D, BlockQ4_1, BlockQ8_1>(
      n, w, a,
      [](const BlockQ4_1& b, const BlockQ8_1& q, int8x16_t* lo, int8x16_t* hi, float* s,
         float* off) {
        Nibbles(b.qs, lo, hi);
        *s = H2F(b.d) * H2F(q.d);
        *off = H2F(b.m) * H2F(q.s);
      });
}

template <class D>
float NeonDotQ5_0(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32<D, BlockQ5_0, BlockQ8_0>(
      n, w, a,
      [](const BlockQ5_0& b, const BlockQ8_0& q, int8x16_t* lo, int8x16_t* hi, float* s, float*) {
        uint8x16_t h_lo, h_hi;
        FifthBits(b.qh, &h_lo, &h_hi);
        Nibbles(b.qs, lo, hi);
        *lo = vsubq_s8(vorrq_s8(*lo, vreinterpretq_s8_u8(h_lo)), vdupq_n_s8(16));
        *hi = vsubq_s8(vorrq_s8(*hi, vreinterpretq_s8_u8(h_hi)), vdupq_n_s8(16));
        *s = H2F(b.d) * H2F(q.d);
      });
}

template <class D>
float NeonDotQ5_1(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32<D, BlockQ5_1, BlockQ8_1>(
      n, w, a,
      [](const BlockQ5_1& b, const BlockQ8_1& q, int8x16_t* lo, int8x16_t* hi, float* s,
         float* off) {
        uint8x16_t h_lo, h_hi;
        FifthBits(b.qh, &h_lo, &h_hi);
        Nibbles(b.qs, lo, hi);
        *lo = vorrq_s8(*lo, vreinterpretq_s8_u8(h_lo));
        *hi = vorrq_s8(*hi, vreinterpretq_s8_u8(h_hi));
        *s = H2F(b.d) * H2F(q.d);
        *off = H2F(b.m) * H2F(q.s);
      });
}

// The codebook formats: nibbles are indices into a 16-byte table (one TBL each).
inline void Codebook(const uint8_t* qs, const int8x16_t table, int8x16_t* lo, int8x16_t* hi) {
  int8x16_t i_lo, i_hi;
  Nibbles(qs, &i_lo, &i_hi);
  *lo = vqtbl1q_s8(table, vreinterpretq_u8_s8(i_lo));
  *hi = vqtbl1q_s8(table, vreinterpretq_u8_s8(i_hi));
}

template <class D>
float NeonDotIQ4_NL(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32<D, BlockIQ4_NL, BlockQ8_0>(
      n, w, a,
      [](const BlockIQ4_NL& b, const BlockQ8_0& q, int8x16_t* lo, int8x16_t* hi, float* s, float*) {
        Codebook(b.qs, vld1q_s8(kIQ4NLValues), lo, hi);
        *s = H2F(b.d) * H2F(q.d);
      });
}

template <class D>
float NeonDotMXFP4(int64_t n, const void* w, const void* a) {
  return NeonDotBlocks32<D, BlockMXFP4, BlockQ8_0>(
      n, w, a,
      [](const BlockMXFP4& b, const BlockQ8_0& q, int8x16_t* lo, int8x16_t* hi, float* s, float*) {
        Codebook(b.qs, vld1q_s8(kMXFP4Values), lo, hi);
        *s = E8M0Half(b.e) * H2F(q.d);
      });
}

// ---- K-quants and IQ4_XS: superblocks of 256 against Q8_K. ----

// The sum of a 16-byte dot's four lanes.
template <class D>
inline int Dot16(int8x16_t w, const int8_t* q8) {
  return vaddvq_s32(D::Dot(vdupq_n_s32(0), w, vld1q_s8(q8)));
}

template <class D>
float NeonDotQ4_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sm[16];  // scales 0..7, mins 8..15
    UnpackScalesMinsK4(x[i].scales, sm);
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int isum = 0, summs = 0;
    for (int j = 0; j < 8; j += 2, q += 32, q8 += 64) {
      int8x16_t lo0, hi0, lo1, hi1;
      Nibbles(q, &lo0, &hi0);  // lo: sub-block j, hi: sub-block j + 1
      Nibbles(q + 16, &lo1, &hi1);
      isum += sm[j] * vaddvq_s32(Dot32<D>(lo0, lo1, q8));
      isum += sm[j + 1] * vaddvq_s32(Dot32<D>(hi0, hi1, q8 + 32));
    }
    for (int j = 0; j < 8; ++j) summs += sm[8 + j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    sum += H2F(x[i].d) * y[i].d * float(isum) - H2F(x[i].dmin) * y[i].d * float(summs);
  }
  return sum;
}

template <class D>
float NeonDotQ5_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sm[16];
    UnpackScalesMinsK4(x[i].scales, sm);
    const uint8x16_t qh0 = vld1q_u8(x[i].qh), qh1 = vld1q_u8(x[i].qh + 16);
    const uint8x16_t bit4 = vdupq_n_u8(0x10);
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int isum = 0, summs = 0;
    for (int j = 0; j < 8; j += 2, q += 32, q8 += 64) {
      // Sub-block j's fifth bits are bit j of qh, sub-block j + 1's bit j + 1.
      const uint8x16_t u1 = vdupq_n_u8(uint8_t(1 << j)), u2 = vdupq_n_u8(uint8_t(2 << j));
      int8x16_t lo0, hi0, lo1, hi1;
      Nibbles(q, &lo0, &hi0);
      Nibbles(q + 16, &lo1, &hi1);
      lo0 = vorrq_s8(lo0, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(qh0, u1), bit4)));
      lo1 = vorrq_s8(lo1, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(qh1, u1), bit4)));
      hi0 = vorrq_s8(hi0, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(qh0, u2), bit4)));
      hi1 = vorrq_s8(hi1, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(qh1, u2), bit4)));
      isum += sm[j] * vaddvq_s32(Dot32<D>(lo0, lo1, q8));
      isum += sm[j + 1] * vaddvq_s32(Dot32<D>(hi0, hi1, q8 + 32));
    }
    for (int j = 0; j < 8; ++j) summs += sm[8 + j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    sum += H2F(x[i].d) * y[i].d * float(isum) - H2F(x[i].dmin) * y[i].d * float(summs);
  }
  return sum;
}

template <class D>
float NeonDotQ6_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint8x16_t m4 = vdupq_n_u8(0x0F), m2 = vdupq_n_u8(0x03);
  const int8x16_t k32 = vdupq_n_s8(32);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, q8 += 128) {
      for (int c = 0; c < 2; ++c) {  // elements 16c..16c+15 of each quarter
        const uint8x16_t a = vld1q_u8(ql + 16 * c), b = vld1q_u8(ql + 32 + 16 * c);
        const uint8x16_t h = vld1q_u8(qh + 16 * c);
        const uint8x16_t v[4] = {
            vorrq_u8(vandq_u8(a, m4), vshlq_n_u8(vandq_u8(h, m2), 4)),
            vorrq_u8(vandq_u8(b, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 2), m2), 4)),
            vorrq_u8(vshrq_n_u8(a, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 4), m2), 4)),
            vorrq_u8(vshrq_n_u8(b, 4), vshlq_n_u8(vshrq_n_u8(h, 6), 4)),
        };
        for (int k = 0; k < 4; ++k) {
          const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(v[k]), k32);
          isum += sc[2 * k + c] * Dot16<D>(q, q8 + 32 * k + 16 * c);
        }
      }
    }
    sum += H2F(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

template <class D>
float NeonDotQ2_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint8x16_t m2 = vdupq_n_u8(3);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += y[i].bsums[j] * (x[i].scales[j] >> 4);
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int isum = 0, is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      const uint8x16_t qa = vld1q_u8(q), qb = vld1q_u8(q + 16);
      for (int shift = 0; shift < 8; shift += 2, q8 += 32, is += 2) {
        const int8x16_t va =
            vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qa, vdupq_n_s8(int8_t(-shift))), m2));
        const int8x16_t vb =
            vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qb, vdupq_n_s8(int8_t(-shift))), m2));
        isum += (x[i].scales[is] & 0xF) * Dot16<D>(va, q8);
        isum += (x[i].scales[is + 1] & 0xF) * Dot16<D>(vb, q8 + 16);
      }
    }
    sum += y[i].d * H2F(x[i].d) * float(isum) - y[i].d * H2F(x[i].dmin) * float(summs);
  }
  return sum;
}

template <class D>
float NeonDotQ3_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint8x16_t m2 = vdupq_n_u8(3), four = vdupq_n_u8(4);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t scales[16];
    UnpackScalesQ3K(x[i].scales, scales);
    const uint8x16_t ha = vld1q_u8(x[i].hmask), hb = vld1q_u8(x[i].hmask + 16);
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int isum = 0, is = 0;
    uint8_t mask = 1;
    for (int half = 0; half < 2; ++half, q += 32) {
      const uint8x16_t qa = vld1q_u8(q), qb = vld1q_u8(q + 16);
      for (int shift = 0; shift < 8; shift += 2, mask <<= 1, q8 += 32, is += 2) {
        const int8x16_t s = vdupq_n_s8(int8_t(-shift));
        const uint8x16_t m = vdupq_n_u8(mask);
        // 2 low bits, minus 4 where the high bit (hmask) is clear.
        const int8x16_t va = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qa, s), m2)),
                                      vreinterpretq_s8_u8(vbicq_u8(four, vtstq_u8(ha, m))));
        const int8x16_t vb = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qb, s), m2)),
                                      vreinterpretq_s8_u8(vbicq_u8(four, vtstq_u8(hb, m))));
        isum += scales[is] * Dot16<D>(va, q8) + scales[is + 1] * Dot16<D>(vb, q8 + 16);
      }
    }
    sum += H2F(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

template <class D>
float NeonDotIQ4_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const int8x16_t table = vld1q_s8(kIQ4NLValues);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      int8x16_t lo, hi;
      Codebook(x[i].qs + 16 * ib, table, &lo, &hi);
      isum += IQ4XSScale(x[i], ib) * vaddvq_s32(Dot32<D>(lo, hi, y[i].qs + 32 * ib));
    }
    sum += H2F(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

// ---- The grid formats: magnitudes from a codebook, signs, odd sub-block scales. ----

// IQ3_XXS, IQ3_S, IQ2_S, decoded per sub-block by iq3_grids.h (internal linkage there too).
template <class D, class Block>
float NeonDotGrid(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const IQ3Grids& g = GetIQ3Grids();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      GridSub32 sub;
      DecodeSub32(x[i], ib, g, &sub);
      uint8_t neg[4];
      std::memcpy(neg, &sub.neg, 4);
      uint8x16_t n_lo, n_hi;
      BitMasks(neg, &n_lo, &n_hi);
      const int8x16_t lo = Negate(vreinterpretq_s8_u8(vld1q_u8(sub.mag)), n_lo);
      const int8x16_t hi = Negate(vreinterpretq_s8_u8(vld1q_u8(sub.mag + 16)), n_hi);
      const int8_t* q8 = y[i].qs + 32 * ib;
      isum += sub.scale[0] * Dot16<D>(lo, q8) + sub.scale[1] * Dot16<D>(hi, q8 + 16);
    }
    sum += H2F(x[i].d) * y[i].d * float(isum);
  }
  return GridUnit<Block>() * sum;
}

// Two groups of eight: codebook entries ga, gb (bytes, element j in byte j) negated where the
// byte masks ma, mb are set.
inline int8x16_t SignedGroups(uint64_t ga, uint64_t gb, uint64_t ma, uint64_t mb) {
  const int8x16_t v = vreinterpretq_s8_u8(vcombine_u8(vcreate_u8(ga), vcreate_u8(gb)));
  return Negate(v, vcombine_u8(vcreate_u8(ma), vcreate_u8(mb)));
}

template <class D>
float NeonDotIQ2_XXS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XXSGrid();
  const uint64_t* masks = IQ2SignMasks();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int ib = 0; ib < 8; ++ib, q8 += 32) {
      uint32_t words[2];
      std::memcpy(words, x[i].qs + 4 * ib, 8);
      auto group = [&](int l, uint64_t* g, uint64_t* m) {
        *g = grid[(words[0] >> (8 * l)) & 0xFF];
        *m = masks[(words[1] >> (7 * l)) & 127];
      };
      uint64_t g[4], m[4];
      for (int l = 0; l < 4; ++l) group(l, &g[l], &m[l]);
      const int s = Dot16<D>(SignedGroups(g[0], g[1], m[0], m[1]), q8) +
                    Dot16<D>(SignedGroups(g[2], g[3], m[2], m[3]), q8 + 16);
      isum += int(2 * (words[1] >> 28) + 1) * s;
    }
    sum += H2F(x[i].d) * y[i].d * float(isum) / 8;
  }
  return sum;
}

template <class D>
float NeonDotIQ2_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XSGrid();
  const uint64_t* masks = IQ2SignMasks();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      for (int half = 0; half < 2; ++half, q8 += 16) {
        const uint16_t qa = x[i].qs[4 * ib + 2 * half], qb = x[i].qs[4 * ib + 2 * half + 1];
        const int s = Dot16<D>(
            SignedGroups(grid[qa & 511], grid[qb & 511], masks[qa >> 9], masks[qb >> 9]), q8);
        isum += (2 * ((x[i].scales[ib] >> (4 * half)) & 0xF) + 1) * s;
      }
    }
    sum += H2F(x[i].d) * y[i].d * float(isum) / 8;
  }
  return sum;
}

// IQ1_S: signed grid values (-1, 0, 1), and the shift applied through Q8_K's block sums.
template <class D>
float NeonDotIQ1_S(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ1_S*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ1SGrid();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0, shift_sum = 0;
    for (int ib = 0; ib < 8; ++ib, q8 += 32) {
      const uint16_t qh = x[i].qh[ib];
      uint64_t g[4];
      for (int l = 0; l < 4; ++l) g[l] = grid[x[i].qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)];
      const int s = Dot16<D>(SignedGroups(g[0], g[1], 0, 0), q8) +
                    Dot16<D>(SignedGroups(g[2], g[3], 0, 0), q8 + 16);
      const int scale = 2 * ((qh >> 12) & 7) + 1;
      isum += scale * s;
      shift_sum += (qh & 0x8000 ? -scale : scale) * (y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1]);
    }
    sum += H2F(x[i].d) * y[i].d * (float(isum) + kIQ1SDelta * float(shift_sum));
  }
  return sum;
}

// The table of one primitive D: every weight type.
template <class D>
VecDotFn NeonTable(DType t) {
  switch (t) {
    case DType::kF32:
      return NeonDotF32;
    case DType::kF16:
      return NeonDotHalves<HalfToFloat, H2F>;
    case DType::kBF16:
      return NeonDotHalves<Bf16ToFloat, B2F>;
    case DType::kQ4_0:
      return NeonDotQ4_0<D>;
    case DType::kQ4_1:
      return NeonDotQ4_1<D>;
    case DType::kQ5_0:
      return NeonDotQ5_0<D>;
    case DType::kQ5_1:
      return NeonDotQ5_1<D>;
    case DType::kQ8_0:
      return NeonDotQ8_0<D>;
    case DType::kQ2_K:
      return NeonDotQ2_K<D>;
    case DType::kQ3_K:
      return NeonDotQ3_K<D>;
    case DType::kQ4_K:
      return NeonDotQ4_K<D>;
    case DType::kQ5_K:
      return NeonDotQ5_K<D>;
    case DType::kQ6_K:
      return NeonDotQ6_K<D>;
    case DType::kIQ4_NL:
      return NeonDotIQ4_NL<D>;
    case DType::kIQ4_XS:
      return NeonDotIQ4_XS<D>;
    case DType::kMXFP4:
      return NeonDotMXFP4<D>;
    case DType::kIQ3_XXS:
      return NeonDotGrid<D, BlockIQ3_XXS>;
    case DType::kIQ3_S:
      return NeonDotGrid<D, BlockIQ3_S>;
    case DType::kIQ2_S:
      return NeonDotGrid<D, BlockIQ2_S>;
    case DType::kIQ2_XXS:
      return NeonDotIQ2_XXS<D>;
    case DType::kIQ2_XS:
      return NeonDotIQ2_XS<D>;
    case DType::kIQ1_S:
      return NeonDotIQ1_S<D>;
    default:
      return nullptr;
  }
}

}  // namespace
}  // namespace inferno::ops

#endif  // __aarch64__
