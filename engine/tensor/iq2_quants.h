// The lattice-codebook formats of two bits and below: IQ2_XXS, IQ2_XS and IQ1_S. Each group of
// eight weights is one entry of a fixed codebook (a "grid" of 8-vectors) times a sub-block
// scale; the IQ2 formats add a sign per weight. Block layouts exactly as GGUF files store them,
// the expanded codebooks, and the scalar reference dequantization (iq2_dequant.cc), which
// defines what the formats mean. All three meet Q8_K activations in dot products.
#pragma once

#include <bit>
#include <cstdint>

namespace inferno {

// IQ2_XXS, 2.06 bits per weight. Per 32 weights (sub-block ib) four uint16 qs[4ib..4ib+3],
// read as two little-endian uint32: the first holds four 8-bit grid indices (one per group of
// 8), the second four 7-bit sign indices (bits 7l..7l+6) and a 4-bit scale s in bits 28..31.
// Weight = d * (2s + 1) / 8 * grid value * sign.
struct BlockIQ2_XXS {
  uint16_t d;
  uint16_t qs[32];
};
// IQ2_XS, 2.31 bits per weight: each qs[4ib + l] is a 9-bit grid index (low bits) and a 7-bit
// sign index (high bits) for group l; scales[ib] holds two 4-bit scales, low nibble for groups
// 0-1, high for groups 2-3, used as (2s + 1) / 8 as in IQ2_XXS.
struct BlockIQ2_XS {
  uint16_t d;
  uint16_t qs[32];
  uint8_t scales[8];
};
// IQ1_S, 1.56 bits per weight: group l of sub-block ib is grid entry qs[4ib + l] | (3 bits of
// qh[ib] at 3l) << 8, values -1/0/1. qh[ib] bits 12..14 are a scale s, bit 15 the sign of a
// shift: weight = d * (2s + 1) * (grid value ± 1/8).
struct BlockIQ1_S {
  uint16_t d;
  uint8_t qs[32];
  uint16_t qh[8];
};
static_assert(sizeof(BlockIQ2_XXS) == 66);
static_assert(sizeof(BlockIQ2_XS) == 74);
static_assert(sizeof(BlockIQ1_S) == 50);

inline constexpr float kIQ1SDelta = 0.125f;  // IQ1_S's shift, in units of the scale

// The codebooks, expanded: entry i's eight values as the bytes of a uint64 (element j in byte
// j), so a SIMD kernel loads a group with one 64-bit load. IQ2 grids hold 8, 25 or 43 (the
// magnitudes; signs are separate); IQ1_S's grid holds int8 -1, 0 or 1.
const uint64_t* IQ2XXSGrid();  // 256 entries
const uint64_t* IQ2XSGrid();   // 512 entries
const uint64_t* IQ1SGrid();    // 2048 entries

// The eight sign bits of a group from its 7-bit sign index: the formats store only seven and
// the eighth makes the number of negated weights even, so it is their parity.
inline uint8_t IQ2SignBits(uint32_t index) {
  return uint8_t(index | ((std::popcount(index) & 1u) << 7));
}

// The same sign bits for the SIMD kernels, which must not call inline helpers (see
// engine/ops/simd_x86.h): IQ2SignBits of every 7-bit index, and as byte masks (byte j of entry
// i is 0xFF where bit j of IQ2SignBits(i) is set).
const uint8_t* IQ2SignBitsTable();  // 128 entries
const uint64_t* IQ2SignMasks();     // 128 entries

// Scalar dequantization of nb blocks to 256 * nb floats.
void DequantIQ2_XXS(const void* src, float* y, int64_t nb);
void DequantIQ2_XS(const void* src, float* y, int64_t nb);
void DequantIQ1_S(const void* src, float* y, int64_t nb);

}  // namespace inferno
