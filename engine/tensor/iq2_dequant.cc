// Scalar reference dequantization of IQ2_XXS, IQ2_XS and IQ1_S (layouts in iq2_quants.h).
#include <cstring>

#include "engine/tensor/fp16.h"
#include "engine/tensor/iq2_quants.h"

namespace inferno {
namespace {

// Eight weights of one group: grid magnitudes with the signs of `signs` (bit j negates j).
void SignedGroup(uint64_t grid, uint8_t signs, float scale, float* y) {
  for (int j = 0; j < 8; ++j) {
    const float v = float((grid >> (8 * j)) & 0xFF);
    y[j] = scale * ((signs >> j) & 1 ? -v : v);
  }
}

}  // namespace

void DequantIQ2_XXS(const void* src, float* y, int64_t nb) {
  const auto* b = static_cast<const BlockIQ2_XXS*>(src);
  const uint64_t* grid = IQ2XXSGrid();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int ib = 0; ib < 8; ++ib) {
      uint32_t words[2];
      std::memcpy(words, b[i].qs + 4 * ib, 8);
      const float scale = d * float(2 * (words[1] >> 28) + 1) / 8;
      for (int l = 0; l < 4; ++l, y += 8) {
        SignedGroup(grid[(words[0] >> (8 * l)) & 0xFF], IQ2SignBits((words[1] >> (7 * l)) & 127),
                    scale, y);
      }
    }
  }
}

void DequantIQ2_XS(const void* src, float* y, int64_t nb) {
  const auto* b = static_cast<const BlockIQ2_XS*>(src);
  const uint64_t* grid = IQ2XSGrid();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int ib = 0; ib < 8; ++ib) {
      for (int l = 0; l < 4; ++l, y += 8) {
        const uint16_t q = b[i].qs[4 * ib + l];
        const int s = (b[i].scales[ib] >> (4 * (l / 2))) & 0xF;
        SignedGroup(grid[q & 511], IQ2SignBits(q >> 9), d * float(2 * s + 1) / 8, y);
      }
    }
  }
}

void DequantIQ1_S(const void* src, float* y, int64_t nb) {
  const auto* b = static_cast<const BlockIQ1_S*>(src);
  const uint64_t* grid = IQ1SGrid();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int ib = 0; ib < 8; ++ib) {
      const uint16_t qh = b[i].qh[ib];
      const float scale = d * float(2 * ((qh >> 12) & 7) + 1);
      const float delta = qh & 0x8000 ? -kIQ1SDelta : kIQ1SDelta;
      for (int l = 0; l < 4; ++l, y += 8) {
        const uint64_t g = grid[b[i].qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)];
        for (int j = 0; j < 8; ++j) y[j] = scale * (float(int8_t(g >> (8 * j))) + delta);
      }
    }
  }
}

}  // namespace inferno
