// Scalar reference dots of IQ2_XXS, IQ2_XS and IQ1_S with Q8_K: integer sums per group of
// eight times the integer sub-block scales, one float multiply per super-block. The SIMD
// kernels (vec_dot_iq2_<isa>.cc) are tested against these.
#include <cstring>

#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Σ ±grid[j]·q8[j] over one group of eight (sign bit j negates element j).
int SignedGroupDot(uint64_t grid, uint8_t signs, const int8_t* q8) {
  int sum = 0;
  for (int j = 0; j < 8; ++j) {
    const int v = int((grid >> (8 * j)) & 0xFF) * q8[j];
    sum += (signs >> j) & 1 ? -v : v;
  }
  return sum;
}

// The IQ2 scales are (2s + 1) / 8: the integer part (2s + 1) here, the 1/8 per super-block.
float DotIQ2_XXS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XXSGrid();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      uint32_t words[2];
      std::memcpy(words, x[i].qs + 4 * ib, 8);
      int s = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        s += SignedGroupDot(grid[(words[0] >> (8 * l)) & 0xFF],
                            IQ2SignBits((words[1] >> (7 * l)) & 127), q8);
      }
      isum += int(2 * (words[1] >> 28) + 1) * s;
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum) / 8;
  }
  return sum;
}

float DotIQ2_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ2_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ2XSGrid();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      for (int half = 0; half < 2; ++half) {
        int s = 0;
        for (int l = 2 * half; l < 2 * half + 2; ++l, q8 += 8) {
          const uint16_t q = x[i].qs[4 * ib + l];
          s += SignedGroupDot(grid[q & 511], IQ2SignBits(q >> 9), q8);
        }
        isum += (2 * ((x[i].scales[ib] >> (4 * half)) & 0xF) + 1) * s;
      }
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum) / 8;
  }
  return sum;
}

// IQ1_S: Σ scale·(g + δ)·q8 = Σ scale·g·q8 + δ·Σ scale·sign·Σq8, the activation sums from
// Q8_K's bsums (δ = ±1/8).
float DotIQ1_S(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ1_S*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const uint64_t* grid = IQ1SGrid();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int isum = 0, shift_sum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      const uint16_t qh = x[i].qh[ib];
      int s = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        const uint64_t g = grid[x[i].qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)];
        for (int j = 0; j < 8; ++j) s += int(int8_t(g >> (8 * j))) * q8[j];
      }
      const int scale = 2 * ((qh >> 12) & 7) + 1;
      const int ysum = y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1];
      isum += scale * s;
      shift_sum += (qh & 0x8000 ? -scale : scale) * ysum;
    }
    sum += F16ToF32(x[i].d) * y[i].d * (float(isum) + kIQ1SDelta * float(shift_sum));
  }
  return sum;
}

}  // namespace

VecDotFn ScalarIQ2VecDot(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
      return DotIQ2_XXS;
    case DType::kIQ2_XS:
      return DotIQ2_XS;
    case DType::kIQ1_S:
      return DotIQ1_S;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
