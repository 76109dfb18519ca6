// F32 -> F16 conversion of a row (round to nearest even, as fp16.h and F16C do): how
// blocks::Attention writes keys and values into the F16 KV cache. Dispatched like the dot
// kernels; the AVX2 (F16C) kernel also serves AVX-512 machines.
#pragma once

#include <cstdint>

namespace inferno::ops {

using F32ToF16RowFn = void (*)(const float* x, uint16_t* y, int64_t n);

F32ToF16RowFn GetF32ToF16Row();

void F32ToF16RowScalar(const float* x, uint16_t* y, int64_t n);
void F32ToF16RowAvx2(const float* x, uint16_t* y, int64_t n);

}  // namespace inferno::ops
