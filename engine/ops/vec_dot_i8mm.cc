// Prompt-processing tiles on the int8 matrix multiply (ARMv8.6 FEAT_I8MM: Neoverse V1/N2,
// Cortex-A510/A710+, Apple M2+): SMMLA multiplies a 2×8 block of weight bytes (two rows) by
// an 8×2 block of activation bytes (two tokens) into a 2×2 int32 tile, so a 4×4 tile of one
// 32-element block takes 16 instructions where SDOT needs 32 and a horizontal add per output.
// Compiled with +i8mm (CMakeLists.txt), used only where DetectedIsa() found it (GetGemm4x4).
#include <arm_neon.h>

#include <type_traits>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// F16 -> F32 by FCVTL; its own, not fp16.h's external inline one (see vec_dot_neon.h).
inline float H2F(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

// 32 weights (or activations) of one block as two vectors of 16 signed bytes.
struct Row32 {
  int8x16_t lo, hi;
};

// Two rows' 32 bytes as the four 2×8 operands SMMLA takes: chunk c holds bytes 8c..8c+7 of
// the first row, then the same of the second.
inline void PairOperands(const Row32& a, const Row32& b, int8x16_t out[4]) {
  const int64x2_t alo = vreinterpretq_s64_s8(a.lo), blo = vreinterpretq_s64_s8(b.lo);
  const int64x2_t ahi = vreinterpretq_s64_s8(a.hi), bhi = vreinterpretq_s64_s8(b.hi);
  out[0] = vreinterpretq_s8_s64(vzip1q_s64(alo, blo));
  out[1] = vreinterpretq_s8_s64(vzip2q_s64(alo, blo));
  out[2] = vreinterpretq_s8_s64(vzip1q_s64(ahi, bhi));
  out[3] = vreinterpretq_s8_s64(vzip2q_s64(ahi, bhi));
}

inline Row32 LoadQ8_0(const BlockQ8_0& b) { return {vld1q_s8(b.qs), vld1q_s8(b.qs + 16)}; }

inline Row32 LoadQ4_0(const BlockQ4_0& b) {
  const uint8x16_t q = vld1q_u8(b.qs);
  const int8x16_t eight = vdupq_n_s8(8);
  return {vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), eight),
          vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight)};
}

// Rows r..r+3 (w) against tokens t..t+3 (Q8_0 activations) for weights in 32-element blocks
// with one F16 scale; out[k * out_stride + j] for token k, row j. The float steps are those of
// NeonDotBlocks32Tiled (vec_dot_neon.h) in the same order, even and odd blocks in two sums,
// so that a prompt's tiles give bit for bit what one token at a time gives.
template <class Block, Row32 (*Load)(const Block&)>
void Gemm4x4Blocks32(int64_t n, const void* w, size_t w_row_bytes, const void* a,
                     size_t a_row_bytes, float* out, size_t out_stride) {
  const Block* rows[4];
  const BlockQ8_0* toks[4];
  for (int k = 0; k < 4; ++k) {
    rows[k] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + k * w_row_bytes);
    toks[k] = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a) + k * a_row_bytes);
  }
  float32x4_t acc[2][2][2];  // [block parity][row pair][token pair]
  for (auto& parity : acc) {
    for (auto& pair : parity) pair[0] = pair[1] = vdupq_n_f32(0);
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    int8x16_t wp[2][4], ap[2][4];
    float dw[4], da[4];
    for (int p = 0; p < 2; ++p) {
      PairOperands(Load(rows[2 * p][i]), Load(rows[2 * p + 1][i]), wp[p]);
      PairOperands(LoadQ8_0(toks[2 * p][i]), LoadQ8_0(toks[2 * p + 1][i]), ap[p]);
    }
    for (int k = 0; k < 4; ++k) {
      dw[k] = H2F(rows[k][i].d);
      da[k] = H2F(toks[k][i].d);
    }
    for (int p = 0; p < 2; ++p) {    // row pair
      for (int q = 0; q < 2; ++q) {  // token pair
        int32x4_t s = vdupq_n_s32(0);
        for (int c = 0; c < 4; ++c) s = vmmlaq_s32(s, wp[p][c], ap[q][c]);
        // Lanes: (row 2p, token 2q), (2p, 2q+1), (2p+1, 2q), (2p+1, 2q+1).
        const float scale[4] = {dw[2 * p] * da[2 * q], dw[2 * p] * da[2 * q + 1],
                                dw[2 * p + 1] * da[2 * q], dw[2 * p + 1] * da[2 * q + 1]};
        acc[i & 1][p][q] = vfmaq_f32(acc[i & 1][p][q], vcvtq_f32_s32(s), vld1q_f32(scale));
      }
    }
  }
  for (int p = 0; p < 2; ++p) {
    for (int q = 0; q < 2; ++q) {
      float v[4];
      vst1q_f32(v, vaddq_f32(acc[0][p][q], acc[1][p][q]));
      out[(2 * q) * out_stride + 2 * p] = v[0];
      out[(2 * q + 1) * out_stride + 2 * p] = v[1];
      out[(2 * q) * out_stride + 2 * p + 1] = v[2];
      out[(2 * q + 1) * out_stride + 2 * p + 1] = v[3];
    }
  }
}

// ---- K-quants: each row's superblock unpacked to bytes, then SMMLA per group of 16. ----

// One row's superblock of 256 as signed bytes and an integer scale per group of 16; what the
// type adds beyond Σ scale · dot (Q4_K's mins) is left to Finish.
struct KRow {
  int8_t q[256];
  int32_t scale[16];
};

inline void StoreNibbles(const uint8_t* qs, int8_t* lo, int8_t* hi) {
  const uint8x16_t v = vld1q_u8(qs);
  vst1q_s8(lo, vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0F))));
  vst1q_s8(hi, vreinterpretq_s8_u8(vshrq_n_u8(v, 4)));
}

// Q4_K: sub-block 2j holds the low nibbles of qs[32j..32j+31], 2j + 1 the high ones.
inline void UnpackQ4K(const BlockQ4_K& b, KRow* row, uint8_t mins[8]) {
  uint8_t sm[16];
  UnpackScalesMinsK4(b.scales, sm);
  for (int j = 0; j < 4; ++j) {
    for (int h = 0; h < 2; ++h) {
      StoreNibbles(b.qs + 32 * j + 16 * h, row->q + 64 * j + 16 * h, row->q + 64 * j + 32 + 16 * h);
    }
  }
  for (int g = 0; g < 16; ++g) row->scale[g] = sm[g / 2];
  for (int j = 0; j < 8; ++j) mins[j] = sm[8 + j];
}

// Q6_K: as NeonDotQ6_K (vec_dot_neon.h) unpacks it, minus 32, one signed scale per 16.
inline void UnpackQ6K(const BlockQ6_K& b, KRow* row) {
  const uint8x16_t m4 = vdupq_n_u8(0x0F), m2 = vdupq_n_u8(0x03);
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    int8_t* out = row->q + 128 * half;
    for (int c = 0; c < 2; ++c) {
      const uint8x16_t a = vld1q_u8(ql + 16 * c), bb = vld1q_u8(ql + 32 + 16 * c);
      const uint8x16_t h = vld1q_u8(qh + 16 * c);
      const uint8x16_t v[4] = {
          vorrq_u8(vandq_u8(a, m4), vshlq_n_u8(vandq_u8(h, m2), 4)),
          vorrq_u8(vandq_u8(bb, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 2), m2), 4)),
          vorrq_u8(vshrq_n_u8(a, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 4), m2), 4)),
          vorrq_u8(vshrq_n_u8(bb, 4), vshlq_n_u8(vshrq_n_u8(h, 6), 4)),
      };
      for (int k = 0; k < 4; ++k) {
        vst1q_s8(out + 32 * k + 16 * c, vsubq_s8(vreinterpretq_s8_u8(v[k]), vdupq_n_s8(32)));
      }
    }
  }
  for (int g = 0; g < 16; ++g) row->scale[g] = b.scales[g];
}

// isum[r][t] = Σ_g scale[r][g] · Σ_{16 in g} q[r] · a[t], as the one-row kernels sum it.
inline void KTileSums(const KRow rows[4], const BlockQ8_K* const toks[4], int32_t isum[4][4]) {
  int32x4_t acc[2][2] = {{vdupq_n_s32(0), vdupq_n_s32(0)}, {vdupq_n_s32(0), vdupq_n_s32(0)}};
  for (int g = 0; g < 16; ++g) {
    for (int p = 0; p < 2; ++p) {
      const int8_t* r0 = rows[2 * p].q + 16 * g;
      const int8_t* r1 = rows[2 * p + 1].q + 16 * g;
      const int8x16_t w0 = vcombine_s8(vld1_s8(r0), vld1_s8(r1));
      const int8x16_t w1 = vcombine_s8(vld1_s8(r0 + 8), vld1_s8(r1 + 8));
      const int32_t sc[4] = {rows[2 * p].scale[g], rows[2 * p].scale[g], rows[2 * p + 1].scale[g],
                             rows[2 * p + 1].scale[g]};
      const int32x4_t scale = vld1q_s32(sc);
      for (int q = 0; q < 2; ++q) {
        const int8_t* t0 = toks[2 * q]->qs + 16 * g;
        const int8_t* t1 = toks[2 * q + 1]->qs + 16 * g;
        int32x4_t s = vmmlaq_s32(vdupq_n_s32(0), w0, vcombine_s8(vld1_s8(t0), vld1_s8(t1)));
        s = vmmlaq_s32(s, w1, vcombine_s8(vld1_s8(t0 + 8), vld1_s8(t1 + 8)));
        acc[p][q] = vmlaq_s32(acc[p][q], s, scale);
      }
    }
  }
  for (int p = 0; p < 2; ++p) {
    for (int q = 0; q < 2; ++q) {
      int32_t v[4];
      vst1q_s32(v, acc[p][q]);
      isum[2 * p][2 * q] = v[0];
      isum[2 * p][2 * q + 1] = v[1];
      isum[2 * p + 1][2 * q] = v[2];
      isum[2 * p + 1][2 * q + 1] = v[3];
    }
  }
}

// The float steps are those of NeonDotQ4_K / NeonDotQ6_K in the same order, so that a prompt's
// tiles give bit for bit what one token at a time gives.
template <DType kType>
void GemmKQuant(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
                float* out, size_t out_stride) {
  using Block = std::conditional_t<kType == DType::kQ4_K, BlockQ4_K, BlockQ6_K>;
  float sum[4][4] = {};
  KRow rows[4];
  uint8_t mins[4][8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const Block* x[4];
    const BlockQ8_K* y[4];
    for (int k = 0; k < 4; ++k) {
      x[k] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + k * w_row_bytes) + i;
      y[k] =
          reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) + k * a_row_bytes) + i;
      if constexpr (kType == DType::kQ4_K) {
        UnpackQ4K(*x[k], &rows[k], mins[k]);
      } else {
        UnpackQ6K(*x[k], &rows[k]);
      }
    }
    int32_t isum[4][4];
    KTileSums(rows, y, isum);
    for (int r = 0; r < 4; ++r) {
      for (int t = 0; t < 4; ++t) {
        if constexpr (kType == DType::kQ4_K) {
          int summs = 0;
          for (int j = 0; j < 8; ++j) {
            summs += mins[r][j] * (y[t]->bsums[2 * j] + y[t]->bsums[2 * j + 1]);
          }
          sum[r][t] +=
              H2F(x[r]->d) * y[t]->d * float(isum[r][t]) - H2F(x[r]->dmin) * y[t]->d * float(summs);
        } else {
          sum[r][t] += H2F(x[r]->d) * y[t]->d * float(isum[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < 4; ++r) {
    for (int t = 0; t < 4; ++t) out[t * out_stride + r] = sum[r][t];
  }
}

}  // namespace

Gemm4x4Fn NeonI8mmGemm4x4(DType t) {
  switch (t) {
    case DType::kQ8_0:
      return Gemm4x4Blocks32<BlockQ8_0, LoadQ8_0>;
    case DType::kQ4_0:
      return Gemm4x4Blocks32<BlockQ4_0, LoadQ4_0>;
    case DType::kQ4_K:
      return GemmKQuant<DType::kQ4_K>;
    case DType::kQ6_K:
      return GemmKQuant<DType::kQ6_K>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
