// Kernels for Q4_0 weights in the R4 layout (engine/ops/repack.h) against Q8_0 activations.
// `sums` is the activation row's Activations::q8_sums: per block its scale, then per block
// 8 * scale * sum(quants), each repeated four times. Q4_0 nibbles q stand for q - 8, so
// sum((q - 8) * y) = sum(q * y) - 8 * sum(y): the second term is one FMA per superblock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace inferno::ops {

// Rows 4g..4g+3 (one group: its quants and scales) against one activation row: out[0..3].
using DotQ4_0R4Fn = void (*)(int64_t n, const uint8_t* quants, const uint16_t* scales,
                             const void* a, const float* sums, float* out);

// One group against four activation rows (row k at a + k * a_row_bytes, its sums at
// sums + k * sums_stride): out[k * out_stride + r].
using GemmQ4_0R4Fn = void (*)(int64_t n, const uint8_t* quants, const uint16_t* scales,
                              const void* a, size_t a_row_bytes, const float* sums,
                              size_t sums_stride, float* out, size_t out_stride);

// nullptr where the CPU or build has no such kernel (then nothing is repacked).
DotQ4_0R4Fn Avx512DotQ4_0R4();
GemmQ4_0R4Fn Avx512GemmQ4_0R4();

}  // namespace inferno::ops
