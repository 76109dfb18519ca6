// The orthonormal Walsh-Hadamard rotation llama.cpp (2026) applies around a quantized KV cache:
// queries and keys are rotated before keys are stored (q·k is unchanged, H being orthonormal)
// and values before they are stored, the attention output rotated back (H·H = I). Rotating
// spreads an outlier over the whole block, so the block's quantization scale fits the rest.
#pragma once

#include <cstdint>

namespace inferno::ops {

// x[0..n) = H_n x / sqrt(n) in place, n a power of two: the scaling first, then the butterfly
// passes of growing span (Sylvester order), the same float operations as llama.cpp's fwht.
void Hadamard(float* x, int n);

// Every consecutive chunk of n floats of x[0..count) (count a multiple of n).
void HadamardChunks(float* x, int64_t count, int n);

}  // namespace inferno::ops
