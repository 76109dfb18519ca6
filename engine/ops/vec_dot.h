// Dot products of one weight row with one activation row already converted to the weight
// type's partner format (see ActivationType in matmul.h). One function per weight type and
// instruction set; the table is chosen at startup.
#pragma once

#include <cstdint>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/dtype.h"

namespace inferno::ops {

// Returns sum over n elements of w[i] * a[i].
using VecDotFn = float (*)(int64_t n, const void* w, const void* a);

// Four rows at once (rows r, r+1, r+2, r+3 at w + k * row_bytes) against one activation
// row: the activation block is loaded and its scale converted once for all four, and four
// independent accumulators keep the core busy while weights stream in.
using VecDot4Fn = void (*)(int64_t n, const void* w, size_t row_bytes, const void* a, float* out);

// The four-row kernel of the level whose one-row kernel GetVecDot returns, or nullptr
// (callers then use GetVecDot).
VecDot4Fn GetVecDot4(DType weight_type);
VecDot4Fn Avx512VecDot4(DType weight_type);
VecDot4Fn Avx2VecDot4(DType weight_type);

// A 4×4 tile for prompt processing: rows r..r+3 of w against activation rows t..t+3 (at
// a + k * a_row_bytes), writing out[k * out_stride + j] for token k and row j. Each weight
// block is unpacked once and used for four tokens.
using Gemm4x4Fn = void (*)(int64_t n, const void* w, size_t w_row_bytes, const void* a,
                           size_t a_row_bytes, float* out, size_t out_stride);
// Like GetVecDot4, the tiles of the one-row kernel's level (or i8mm's on ARM64), or nullptr.
// The AVX2 tiles and four-row kernels equal the AVX2 one-row kernel bit for bit
// (rows4_avx2.h).
Gemm4x4Fn GetGemm4x4(DType weight_type);
Gemm4x4Fn Avx512Gemm4x4(DType weight_type);
Gemm4x4Fn Avx2Gemm4x4(DType weight_type);

// The kernel for `weight_type` at the active ISA (falls back to scalar), or nullptr if the
// type is not a supported weight type.
VecDotFn GetVecDot(DType weight_type);
// The kernel at a given ISA; nullptr when that ISA has no specialised kernel for the type.
VecDotFn GetVecDot(DType weight_type, Isa isa);

// Per-ISA tables, defined in vec_dot_<isa>.cc; nullptr where the ISA has no kernel. The
// K-quant kernels live in vec_dot_kquant_<isa>.cc and are reached through the main tables.
VecDotFn ScalarVecDot(DType weight_type);
VecDotFn Avx2VecDot(DType weight_type);
VecDotFn Avx512VecDot(DType weight_type);
VecDotFn Avx2KQuantVecDot(DType weight_type);
VecDotFn Avx512KQuantVecDot(DType weight_type);
VecDot4Fn Avx2KQuantVecDot4(DType weight_type);
Gemm4x4Fn Avx2KQuantGemm4x4(DType weight_type);
VecDot4Fn Avx512KQuantVecDot4(DType weight_type);
Gemm4x4Fn Avx512KQuantGemm4x4(DType weight_type);
// The codebook formats (IQ4_NL, IQ4_XS, MXFP4), in vec_dot_iquant_<isa>.cc; GetVecDot,
// GetVecDot4 and GetGemm4x4 consult them after the main tables.
VecDotFn Avx2IQuantVecDot(DType weight_type);
VecDotFn Avx512IQuantVecDot(DType weight_type);
VecDot4Fn Avx2IQuantVecDot4(DType weight_type);
Gemm4x4Fn Avx2IQuantGemm4x4(DType weight_type);
VecDot4Fn Avx512IQuantVecDot4(DType weight_type);
Gemm4x4Fn Avx512IQuantGemm4x4(DType weight_type);
// The grid formats (IQ3_XXS, IQ3_S, IQ2_S; engine/tensor/iq3_grids.h), in
// vec_dot_iq3_<isa>.cc; ScalarVecDot and the Get* functions reach them like the above.
VecDotFn ScalarIQ3VecDot(DType weight_type);
VecDotFn Avx2IQ3VecDot(DType weight_type);
VecDotFn Avx512IQ3VecDot(DType weight_type);
VecDot4Fn Avx512IQ3VecDot4(DType weight_type);
Gemm4x4Fn Avx512IQ3Gemm4x4(DType weight_type);
// ARM64 (built there only): NEON kernels without the int8 dot product (vec_dot_neon.cc), those
// that use it (vec_dot_dotprod.cc: SDOT), and the 4×4 tiles on the int8 matrix multiply
// (vec_dot_i8mm.cc: SMMLA, two rows × two tokens per instruction). A type without a kernel at
// a level falls back to the level below (LowerIsa), then scalar.
VecDotFn NeonVecDot(DType weight_type);
VecDotFn NeonDotprodVecDot(DType weight_type);
Gemm4x4Fn NeonI8mmGemm4x4(DType weight_type);

}  // namespace inferno::ops
