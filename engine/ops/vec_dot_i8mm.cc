// Prompt-processing tiles on the int8 matrix multiply (ARMv8.6 FEAT_I8MM: Neoverse V1/N2,
// Cortex-A510/A710+, Apple M2+): SMMLA multiplies a 2×8 block of weight bytes (two rows) by
// an 8×2 block of activation bytes (two tokens) into a 2×2 int32 tile, so a 4×4 tile of one
// 32-element block takes 16 instructions where SDOT needs 32 and a horizontal add per output.
// Compiled with +i8mm (CMakeLists.txt), used only where DetectedIsa() found it (GetGemm4x4).
#include <arm_neon.h>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

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
// with one F16 scale; out[k * out_stride + j] for token k, row j.
template <class Block, Row32 (*Load)(const Block&)>
void Gemm4x4Blocks32(int64_t n, const void* w, size_t w_row_bytes, const void* a,
                     size_t a_row_bytes, float* out, size_t out_stride) {
  const Block* rows[4];
  const BlockQ8_0* toks[4];
  for (int k = 0; k < 4; ++k) {
    rows[k] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + k * w_row_bytes);
    toks[k] = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a) + k * a_row_bytes);
  }
  float32x4_t acc[2][2] = {{vdupq_n_f32(0), vdupq_n_f32(0)}, {vdupq_n_f32(0), vdupq_n_f32(0)}};
  for (int64_t i = 0; i < n / kQK; ++i) {
    int8x16_t wp[2][4], ap[2][4];
    float dw[4], da[4];
    for (int p = 0; p < 2; ++p) {
      PairOperands(Load(rows[2 * p][i]), Load(rows[2 * p + 1][i]), wp[p]);
      PairOperands(LoadQ8_0(toks[2 * p][i]), LoadQ8_0(toks[2 * p + 1][i]), ap[p]);
    }
    for (int k = 0; k < 4; ++k) {
      dw[k] = F16ToF32(rows[k][i].d);
      da[k] = F16ToF32(toks[k][i].d);
    }
    for (int p = 0; p < 2; ++p) {    // row pair
      for (int q = 0; q < 2; ++q) {  // token pair
        int32x4_t s = vdupq_n_s32(0);
        for (int c = 0; c < 4; ++c) s = vmmlaq_s32(s, wp[p][c], ap[q][c]);
        // Lanes: (row 2p, token 2q), (2p, 2q+1), (2p+1, 2q), (2p+1, 2q+1).
        const float scale[4] = {dw[2 * p] * da[2 * q], dw[2 * p] * da[2 * q + 1],
                                dw[2 * p + 1] * da[2 * q], dw[2 * p + 1] * da[2 * q + 1]};
        acc[p][q] = vfmaq_f32(acc[p][q], vcvtq_f32_s32(s), vld1q_f32(scale));
      }
    }
  }
  for (int p = 0; p < 2; ++p) {
    for (int q = 0; q < 2; ++q) {
      float v[4];
      vst1q_f32(v, acc[p][q]);
      out[(2 * q) * out_stride + 2 * p] = v[0];
      out[(2 * q + 1) * out_stride + 2 * p] = v[1];
      out[(2 * q) * out_stride + 2 * p + 1] = v[2];
      out[(2 * q + 1) * out_stride + 2 * p + 1] = v[3];
    }
  }
}

}  // namespace

Gemm4x4Fn NeonI8mmGemm4x4(DType t) {
  switch (t) {
    case DType::kQ8_0:
      return Gemm4x4Blocks32<BlockQ8_0, LoadQ8_0>;
    case DType::kQ4_0:
      return Gemm4x4Blocks32<BlockQ4_0, LoadQ4_0>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
