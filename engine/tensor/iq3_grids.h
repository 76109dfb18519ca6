// The grid formats IQ3_XXS, IQ3_S and IQ2_S: block layouts, their codebooks ("grids"), and
// the per-sub-block decoding every kernel shares.
//
// Each stores groups of four (IQ3) or eight (IQ2_S) weights as one index into a fixed codebook
// of non-negative magnitude vectors, a sign bit per weight, a 4-bit scale s per 32 (IQ2_S: per
// 16) weights meaning 2s + 1, and one F16 scale d per 256. A weight is
//   d * (2s + 1) * magnitude * sign * kGridUnit[type]
// with kGridUnit 1/4 (IQ3_XXS), 1 (IQ3_S), 1/8 (IQ2_S), as llama.cpp's dequantize_row_iq*.
//
// The helpers below have internal linkage because the SIMD files (compiled with other ISA
// flags) include them too; see simd_x86.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "engine/tensor/dtype.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno {

// IQ3_XXS, 98 bytes: qs[0..63] one 8-bit grid index per 4 weights (8 per sub-block of 32);
// qs[64..95] one little-endian u32 per sub-block: four 7-bit sign fields (bit j: weight
// 8l + j negative; the eighth sign is the parity of the seven, so every group has an even
// number of negative weights) and the 4-bit scale in bits 28..31.
struct BlockIQ3_XXS {
  uint16_t d;
  uint8_t qs[3 * kQK_K / 8];
};
// IQ3_S, 110 bytes: 9-bit grid indices per 4 weights (low 8 bits in qs, the ninth is bit k of
// qh[ib] for index k of sub-block ib), explicit sign bits (signs[4 * ib + l], bit j: weight
// 8l + j), and 4-bit scales, sub-block ib in nibble ib % 2 of scales[ib / 2].
struct BlockIQ3_S {
  uint16_t d;
  uint8_t qs[kQK_K / 4];
  uint8_t qh[kQK_K / 32];
  uint8_t signs[kQK_K / 8];
  uint8_t scales[kQK_K / 64];
};
// IQ2_S, 82 bytes: 10-bit grid indices per 8 weights (low 8 bits in qs[4 * ib + l], the high
// two in bits 2l, 2l + 1 of qh[ib]), sign bytes qs[32 + 4 * ib + l], and two 4-bit scales per
// sub-block: low nibble of scales[ib] for weights 0..15, high nibble for 16..31.
struct BlockIQ2_S {
  uint16_t d;
  uint8_t qs[kQK_K / 4];
  uint8_t qh[kQK_K / 32];
  uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ3_XXS) == 98);
static_assert(sizeof(BlockIQ3_S) == 110);
static_assert(sizeof(BlockIQ2_S) == 82);

// The codebooks, expanded at first use from their packed form in iq3_grids.cc. Entry i holds
// the magnitudes of its weights as bytes, first weight in the lowest byte, as ggml's
// iq3xxs_grid, iq3s_grid and iq2s_grid are laid out.
struct IQ3Grids {
  uint32_t iq3_xxs[256];  // levels 4, 12, 20, 28, 36, 44, 52, 62
  uint32_t iq3_s[512];    // levels 1, 3, 5, ..., 15
  uint64_t iq2_s[1024];   // levels 8, 25, 43
  uint8_t sign8[128];     // IQ3_XXS: 7 sign bits -> 8, the eighth making the parity even
};
const IQ3Grids& GetIQ3Grids();

// The packed codebooks as stored (level indices, 3 or 2 bits per weight), for tests.
struct PackedGrid {
  const uint16_t* entries;
  int size;
  int bits;               // per weight
  const uint8_t* levels;  // index -> magnitude
};
PackedGrid PackedIQ3XXSGrid();
PackedGrid PackedIQ3SGrid();
PackedGrid PackedIQ2SGrid();

// The scalar reference dequantization of nb blocks (called by DequantizeRow).
void DequantizeIQ3Family(DType t, const void* src, float* dst, int64_t nb);

namespace {  // NOLINT(build/namespaces): internal linkage is required (see the file comment).

// The per-block constant factor of each type (kGridUnit above).
constexpr float kIQ3XXSUnit = 0.25f;
constexpr float kIQ3SUnit = 1.0f;
constexpr float kIQ2SUnit = 0.125f;

inline uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// IQ3_XXS sub-block ib: its scale field word.
inline uint32_t IQ3XXSAux(const BlockIQ3_XXS& b, int ib) { return LoadU32(b.qs + 64 + 4 * ib); }
inline int IQ3XXSScale(const BlockIQ3_XXS& b, int ib) {
  return 2 * int(IQ3XXSAux(b, ib) >> 28) + 1;
}
// The 32 sign bits of IQ3_XXS sub-block ib (bit j: weight j negative).
inline uint32_t IQ3XXSNegBits(const BlockIQ3_XXS& b, int ib, const IQ3Grids& g) {
  const uint32_t a = IQ3XXSAux(b, ib);
  return uint32_t(g.sign8[a & 127]) | uint32_t(g.sign8[(a >> 7) & 127]) << 8 |
         uint32_t(g.sign8[(a >> 14) & 127]) << 16 | uint32_t(g.sign8[(a >> 21) & 127]) << 24;
}

// IQ3_S: the 9-bit grid index of group k (0..7, four weights each) of sub-block ib.
inline int IQ3SIndex(const BlockIQ3_S& b, int ib, int k) {
  return b.qs[8 * ib + k] | (((b.qh[ib] >> k) & 1) << 8);
}
inline int IQ3SScale(const BlockIQ3_S& b, int ib) {
  return 2 * ((b.scales[ib / 2] >> (4 * (ib % 2))) & 0xF) + 1;
}
inline uint32_t IQ3SNegBits(const BlockIQ3_S& b, int ib) { return LoadU32(b.signs + 4 * ib); }

// IQ2_S: the 10-bit grid index of group l (0..3, eight weights each) of sub-block ib.
inline int IQ2SIndex(const BlockIQ2_S& b, int ib, int l) {
  return b.qs[4 * ib + l] | (((b.qh[ib] >> (2 * l)) & 3) << 8);
}
// The scale of half h (0: weights 0..15, 1: 16..31) of sub-block ib.
inline int IQ2SScale(const BlockIQ2_S& b, int ib, int h) {
  return 2 * ((b.scales[ib] >> (4 * h)) & 0xF) + 1;
}
inline uint32_t IQ2SNegBits(const BlockIQ2_S& b, int ib) { return LoadU32(b.qs + 32 + 4 * ib); }

// One sub-block of 32 weights decoded to magnitudes, sign bits and the scales of its halves
// (equal for the IQ3 types): what the scalar dequantization and dot product consume.
struct GridSub32 {
  uint8_t mag[32];
  uint32_t neg;
  int scale[2];
};

inline void DecodeSub32(const BlockIQ3_XXS& b, int ib, const IQ3Grids& g, GridSub32* s) {
  for (int k = 0; k < 8; ++k) std::memcpy(s->mag + 4 * k, &g.iq3_xxs[b.qs[8 * ib + k]], 4);
  s->neg = IQ3XXSNegBits(b, ib, g);
  s->scale[0] = s->scale[1] = IQ3XXSScale(b, ib);
}

inline void DecodeSub32(const BlockIQ3_S& b, int ib, const IQ3Grids& g, GridSub32* s) {
  for (int k = 0; k < 8; ++k) std::memcpy(s->mag + 4 * k, &g.iq3_s[IQ3SIndex(b, ib, k)], 4);
  s->neg = IQ3SNegBits(b, ib);
  s->scale[0] = s->scale[1] = IQ3SScale(b, ib);
}

inline void DecodeSub32(const BlockIQ2_S& b, int ib, const IQ3Grids& g, GridSub32* s) {
  for (int l = 0; l < 4; ++l) std::memcpy(s->mag + 8 * l, &g.iq2_s[IQ2SIndex(b, ib, l)], 8);
  s->neg = IQ2SNegBits(b, ib);
  s->scale[0] = IQ2SScale(b, ib, 0);
  s->scale[1] = IQ2SScale(b, ib, 1);
}

// pick(static_cast<Block*>(nullptr)) for the block type of grid type t, `fallback` for other
// types: the one switch behind every per-type table of kernels.
template <typename R, typename Pick>
R ForGridBlock(DType t, Pick pick, R fallback = R{}) {
  switch (t) {
    case DType::kIQ3_XXS:
      return pick(static_cast<BlockIQ3_XXS*>(nullptr));
    case DType::kIQ3_S:
      return pick(static_cast<BlockIQ3_S*>(nullptr));
    case DType::kIQ2_S:
      return pick(static_cast<BlockIQ2_S*>(nullptr));
    default:
      return fallback;
  }
}

template <typename Block>
constexpr float GridUnit() {
  if constexpr (sizeof(Block) == sizeof(BlockIQ3_XXS)) {
    return kIQ3XXSUnit;
  } else if constexpr (sizeof(Block) == sizeof(BlockIQ3_S)) {
    return kIQ3SUnit;
  } else {
    return kIQ2SUnit;
  }
}

}  // namespace
}  // namespace inferno
