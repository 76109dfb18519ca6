// Scalar reference dequantization: the definition of what every block format means.
#pragma once

#include <cstdint>

#include "engine/tensor/dtype.h"

namespace inferno {

// Converts n elements (a multiple of the type's block size) of type t at src to floats.
// Supports F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K..Q6_K, Q8_K,
// IQ4_NL, IQ4_XS, MXFP4, IQ1_S, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S.
void DequantizeRow(DType t, const void* src, float* dst, int64_t n);

}  // namespace inferno
