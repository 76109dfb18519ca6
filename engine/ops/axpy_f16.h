// y += a · x for an F16 vector x and an F32 vector y: the value-weighting step of attention
// over the F16 KV cache, dispatched like the dot kernels (scalar / AVX2+F16C / AVX-512).
#pragma once

#include <cstdint>

namespace inferno::ops {

using AxpyF16Fn = void (*)(int64_t n, float a, const uint16_t* x, float* y);

AxpyF16Fn GetAxpyF16();

// Per-ISA implementations (each only called when the CPU has the ISA).
void AxpyF16Scalar(int64_t n, float a, const uint16_t* x, float* y);
void AxpyF16Avx2(int64_t n, float a, const uint16_t* x, float* y);
void AxpyF16Avx512(int64_t n, float a, const uint16_t* x, float* y);

}  // namespace inferno::ops
