// Dot kernels of the lattice-codebook formats IQ2_XXS, IQ2_XS and IQ1_S (engine/tensor/
// iq2_quants.h) with Q8_K activations, as llama.cpp pairs them. vec_dot_scalar.cc and the
// codebook tables of vec_dot_iquant_<isa>.cc reach them through these per-ISA lookups.
#pragma once

#include "engine/ops/vec_dot.h"

namespace inferno::ops {

// The kernel for an IQ2_XXS/IQ2_XS/IQ1_S weight type, nullptr for any other type (or, for the
// SIMD ones, where the ISA is not compiled in).
VecDotFn ScalarIQ2VecDot(DType weight_type);
VecDotFn Avx2IQ2VecDot(DType weight_type);
VecDotFn Avx512IQ2VecDot(DType weight_type);
// The AVX-512 four-row (decode) and 4×4 (prompt) forms, reached through the codebook tables'
// Avx512IQuantVecDot4 / Avx512IQuantGemm4x4.
VecDot4Fn Avx512IQ2VecDot4(DType weight_type);
Gemm4x4Fn Avx512IQ2Gemm4x4(DType weight_type);

}  // namespace inferno::ops
