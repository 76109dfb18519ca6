// SIMD conversion of activation rows to the matmul partner formats Q8_0, Q8_1 and Q8_K, bit for
// bit what QuantizeRow (engine/tensor/quantize.h) writes: the same float operations
// (abs max, 127 / amax, x * scale) and round-half-to-even, only 8 (AVX2) or 16 (AVX-512)
// lanes at a time. Decode
// quantizes every layer input this way, prefill whole prompt batches.
#pragma once

#include <cstdint>

#include "engine/tensor/dtype.h"

namespace inferno::ops {

// Converts n floats (a multiple of the block size) to `type` at dst.
using QuantizeActivationsFn = void (*)(const float* x, void* dst, int64_t n);

// The kernel for Q8_0, Q8_1 or Q8_K at the active ISA, or nullptr (then QuantizeRow).
QuantizeActivationsFn GetQuantizeActivations(DType type);
QuantizeActivationsFn Avx512QuantizeActivations(DType type);
QuantizeActivationsFn Avx2QuantizeActivations(DType type);

}  // namespace inferno::ops
