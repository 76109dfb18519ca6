// Attention over a quantized KV cache (keys and/or values in Q8_0 or Q4_0, the other one
// possibly F16): the kernel GetAttention picks when a cache is not F16 / F16. It reads the
// quantized rows directly: each query is quantized once to its keys' dot partner (Q8_0 for
// Q8_0 and Q4_0 keys, F16 for F16 keys) and scored with the weight dot kernels (vec_dot.h),
// and values are dequantized block by block into the accumulation of the output rows
// (AxpyRows below), every value block once for all query rows of the KV head.
//
// Numerics follow llama.cpp for the same cache types. Its quantized V cache only runs with
// flash attention, whose CPU kernel converts the query with the K type's from_float (Q8_0),
// takes block dots, and accumulates exp(s - max) · V in F32 from the dequantized rows; we
// compute the same dots and the same exp weights in two passes (softmax, then V), which
// differs only by float rounding. With F16 values (a quantized K only) llama.cpp's default
// path rounds the probabilities to F16 before its F16 V product, and so do we, as the F16
// kernels do.
#pragma once

#include <cstdint>

#include "engine/ops/attention_f16.h"
#include "engine/ops/cpu_features.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dtype.h"

namespace inferno::ops {

// y_r[i] += coef[r * coef_stride] * x[i] for i < n and r < n_rows, y_r at y + r * y_stride;
// x is one row slice of the AxpyRows type (F16, Q8_0 or Q4_0; n a multiple of its block),
// dequantized once for all rows. Per element the value is first dequantized exactly (scale
// times quant) and then multiplied and added with one fused multiply-add, as llama.cpp's
// V accumulation does.
using AxpyRowsFn = void (*)(int64_t n, const void* x, int n_rows, const float* coef,
                            int64_t coef_stride, float* y, int64_t y_stride);
// The kernel for type t at an ISA (scalar for ISAs without one), or nullptr for other types.
AxpyRowsFn GetAxpyRows(DType t, Isa isa);
AxpyRowsFn Avx2AxpyRows(DType t);
AxpyRowsFn Avx512AxpyRows(DType t);

// The key dot kernel for keys of type t at `isa` or, where that ISA has none for the type,
// the best below it; the query goes in as ActivationType(t) (matmul.h).
VecDotFn KeyDot(DType t, Isa isa);

// e^x for x <= 0, one element at a time (std::exp): the scalar partner of ExpNonPositiveAvx2.
using ExpFn = void (*)(const float* x, float* out, int64_t n);
void ExpNonPositiveScalar(const float* x, float* out, int64_t n);

// The kernel at each ISA (each only called when the CPU has it). Same arguments and scratch
// as the F16 kernels (AttentionF16ScratchFloats); head sizes of quantized rows are multiples
// of 32.
void AttentionKvScalar(const AttentionF16Args& a);
void AttentionKvAvx2(const AttentionF16Args& a);
void AttentionKvAvx512(const AttentionF16Args& a);
// ARM64: the scalar kernel with the NEON key dot products of the active level.
void AttentionKvNeon(const AttentionF16Args& a);

}  // namespace inferno::ops
