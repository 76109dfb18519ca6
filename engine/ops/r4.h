// Kernels for weights in an R4 layout (engine/ops/repack.h: four rows interleaved) against
// the partner activations (Q8_0 for Q4_0/Q8_0, Q8_K for Q4_K/Q6_K) and their
// Activations::r4_sums.
//
// Q4_0/Q8_0: the quants are stored unsigned with an offset o (Q4_0 nibbles q stand for q - 8;
// R4 Q8_0 bytes for byte - 128), so the unsigned×signed byte dot product applies directly and
// sum((q - o) * y) = sum(q * y) - o * sum(y). For Q4_0 the second term is one float FMA per
// superblock (8 * scale * sum(y), precomputed). For Q8_0 the two terms are ~128 times the
// result, and subtracting them in float loses about three digits, so -128 * sum(y) starts the
// block's integer accumulator instead (exact).
//
// Q4_K/Q6_K: per superblock, all integer work (quant × activation, times the sub-block
// scales, minus Q6_K's 32 × scale × group sum) is exact in int32; then one float FMA applies
// d × the activation's scale (and Q4_K's mins through the activation's 32-element sums).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/ops/matmul.h"

namespace inferno::ops {

// Rows 4g..4g+3 (one group: its quants and meta) against one activation row: out[0..3].
using DotR4Fn = void (*)(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
                         const void* r4_sums, float* out);

// One group against four activation rows (row k at a + k * a_row_bytes, its sums at
// r4_sums + k * sums_stride bytes): out[k * out_stride + r].
using GemmR4Fn = void (*)(int64_t n, const uint8_t* quants, const uint8_t* meta, const void* a,
                          size_t a_row_bytes, const void* r4_sums, size_t sums_stride, float* out,
                          size_t out_stride);

// nullptr where the CPU or build has no kernel for the layout (then nothing is repacked).
DotR4Fn Avx512DotR4(WeightLayout layout);
GemmR4Fn Avx512GemmR4(WeightLayout layout);
// The Q4_K/Q6_K ones (r4_kquant_avx512.cc), reached through the two above.
DotR4Fn Avx512DotKR4(WeightLayout layout);
GemmR4Fn Avx512GemmKR4(WeightLayout layout);

}  // namespace inferno::ops
