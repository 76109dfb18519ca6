// Quantization of float rows into block formats. The activation formats (Q8_0, Q8_1, Q8_K,
// F16, BF16) follow llama.cpp's x86 CPU backend rounding exactly, because our logits must
// agree with it; weight formats are provided for tests and conversion tools.
#pragma once

#include <cstdint>

#include "engine/tensor/dtype.h"

namespace inferno {

// Converts n floats (a multiple of the block size) into type t at dst.
// Supports F32, F16, BF16, Q8_0, Q8_1, Q8_K, Q4_0, Q4_1, Q5_0, Q5_1.
void QuantizeRow(DType t, const float* x, void* dst, int64_t n);

// True when QuantizeRow supports t.
bool CanQuantize(DType t);

// Quantization of weights (conversion and `inferno quantize`): reference rounding as
// llama.cpp's quantizer for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, and for the K-quants (Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K) a per-sub-block least-squares search for scales (and mins) before the
// scales themselves are quantized. F32/F16/BF16 are plain conversions. n must be a multiple
// of the block size. Implemented in quantize_weights.cc.
void QuantizeWeightRow(DType t, const float* x, void* dst, int64_t n);
bool CanQuantizeWeight(DType t);

// The codebook formats IQ4_NL, IQ4_XS (scale search as llama.cpp's quantizer, byte for byte)
// and MXFP4 (nearest E2M1 value under a power-of-two scale). `importance`, optional, holds a
// non-negative weight per element (an importance matrix row, as llama-imatrix computes): the
// IQ4 scale search then minimises importance-weighted error; MXFP4 ignores it. Implemented
// in quantize_iq4.cc; QuantizeWeightRow calls it without importances.
void QuantizeIQ4Row(DType t, const float* x, void* dst, int64_t n,
                    const float* importance = nullptr);

}  // namespace inferno
