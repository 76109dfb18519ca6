// Kernels for weights in an R4 layout (engine/ops/repack.h: four rows interleaved) against
// the partner activations (Q8_0 for Q4_0/Q8_0, Q8_K for Q4_K/Q6_K) and their
// Activations::r4_sums.
//
// Q4_0/Q8_0: the quants are stored unsigned with an offset o (Q4_0 nibbles q stand for q - 8;
// R4 Q8_0 bytes for byte - 128), so the unsigned×signed byte dot product applies directly and
// sum((q - o) * y) = sum(q * y) - o * sum(y): the block's integer accumulator starts at
// -o * sum(y), and the superblock's 16 (row, block) dots are exact integers before one
// conversion and one FMA with the 16 products of the two scales.
//
// Q4_K/Q6_K: per superblock, all integer work (quant × activation, times the sub-block
// scales, minus Q6_K's 32 × scale × group sum) is exact in int32; then one float FMA applies
// d × the activation's scale (and Q4_K's mins through the activation's 32-element sums).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/ops/matmul.h"

namespace inferno::ops {

// A Q8_0 activation superblock (four blocks, 128 values) as the Q4_0/Q8_0 R4 kernels read it
// (Activations::r4_sums): in chunk c (16 bytes), bytes 4j..4j+3 are quants 4c..4c+3 of block
// j, the order of the R4 weight bytes (engine/ops/repack.h).
struct R4Q8Superblock {
  float d[4];             // the blocks' scales
  int32_t neg8_sum[4];    // -8 * (sum of the block's quants): Q4_0's offset
  int32_t neg128_sum[4];  // -128 * (sum of the block's quants): R4 Q8_0's offset
  int8_t qs[8][16];       // interleaved quants
};
static_assert(sizeof(R4Q8Superblock) == 176);

// A Q8_K activation superblock (256 values) as the Q4_K and the Q6_K R4 kernels read it
// (Activations::r4_sums holds, per row, all superblocks for Q4_K, then all for Q6_K): each
// kernel finds everything it needs in one compact run of bytes, since during decode the
// weights streaming through L1 leave little room for the activations.
struct R4Q8KForQ4K {
  // Chunk 8e + m holds, in bytes 4k..4k+3, quants 4m..4m+3 of sub-block 4e + k (32 quants
  // per sub-block), as the Q4_K R4 weight bytes are.
  int8_t qs[16][16];
  int16_t sum32[8];  // sum of each 32 quants, for the mins
  float d;
};
struct R4Q8KForQ6K {
  // Chunk 4a + m holds, in bytes 4k..4k+3, quants 4m..4m+3 of group 4a + k (16 quants per
  // group), as the Q6_K R4 weight bytes are.
  int8_t qs[16][16];
  int32_t neg32_sum16[16];  // -32 * sum of each group's quants (the q - 32 offset)
  float d;
};
static_assert(sizeof(R4Q8KForQ4K) == 276 && sizeof(R4Q8KForQ6K) == 324);

// Rows 4g..4g+3 (one group: its quants and meta) against one activation row, read from its
// Activations::r4_sums (which hold the quants in the kernels' order): out[0..3].
using DotR4Fn = void (*)(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* r4_sums,
                         float* out);

// `groups` (1 or 2) consecutive groups (the second's quants and meta right after the
// first's) against four activation rows (row k's r4_sums at r4_sums + k * sums_stride
// bytes): out[k * out_stride + 4 * group + r]. Two Q4_0/Q8_0 groups share the activation
// loads.
using GemmR4Fn = void (*)(int64_t n, int groups, const uint8_t* quants, const uint8_t* meta,
                          const void* r4_sums, size_t sums_stride, float* out, size_t out_stride);

// A layout's two kernels: every level that has one has both (one token, four tokens).
struct R4Kernels {
  DotR4Fn dot = nullptr;
  GemmR4Fn gemm = nullptr;
  bool available() const { return dot != nullptr && gemm != nullptr; }
};

// The kernels for the layout at the active ISA (ActiveIsa()); none where there are none (then
// nothing is repacked into that layout, ShouldRepack).
R4Kernels GetR4Kernels(WeightLayout layout);

// None where the CPU or build has no kernel for the layout.
R4Kernels Avx512R4Kernels(WeightLayout layout);
// The Q4_K/Q6_K/IQ4_XS ones (r4_kquant_avx512.cc), reached through the one above.
R4Kernels Avx512KQuantR4Kernels(WeightLayout layout);
// AVX2 (r4_avx2.cc): Q4_0 and Q8_0, and through the one below (r4_kquant_avx2.cc) Q4_K, Q5_K,
// Q6_K and IQ4_XS. The same layouts, read as two 256-bit halves.
R4Kernels Avx2R4Kernels(WeightLayout layout);
R4Kernels Avx2KQuantR4Kernels(WeightLayout layout);

}  // namespace inferno::ops
