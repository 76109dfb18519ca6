// Kernels for weights in an R4 layout (engine/ops/repack.h: Q4_0 or Q8_0, four rows
// interleaved) against Q8_0 activations. `sums` is the activation row's
// Activations::q8_sums. The weights' quants are stored unsigned with an offset o (Q4_0
// nibbles q stand for q - 8; R4 Q8_0 bytes for byte - 128), so the unsigned×signed byte dot
// product applies directly and sum((q - o) * y) = sum(q * y) - o * sum(y). For Q4_0 the
// second term is one float FMA per superblock (8 * scale * sum(y), precomputed). For Q8_0 the
// two terms are ~128 times the result, and subtracting them in float loses about three
// digits, so -128 * sum(y) starts the block's integer accumulator instead (exact).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/ops/matmul.h"

namespace inferno::ops {

// Rows 4g..4g+3 (one group: its quants and scales) against one activation row: out[0..3].
using DotR4Fn = void (*)(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* a,
                         const float* sums, float* out);

// One group against four activation rows (row k at a + k * a_row_bytes, its sums at
// sums + k * sums_stride): out[k * out_stride + r].
using GemmR4Fn = void (*)(int64_t n, const uint8_t* quants, const uint16_t* scales, const void* a,
                          size_t a_row_bytes, const float* sums, size_t sums_stride, float* out,
                          size_t out_stride);

// nullptr where the CPU or build has no kernel for the layout (then nothing is repacked).
DotR4Fn Avx512DotR4(WeightLayout layout);
GemmR4Fn Avx512GemmR4(WeightLayout layout);

}  // namespace inferno::ops
