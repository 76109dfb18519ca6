#include "engine/ops/axpy_f16.h"

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {

void AxpyF16Scalar(int64_t n, float a, const uint16_t* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * F16ToF32(x[i]);
}

AxpyF16Fn GetAxpyF16() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return AxpyF16Avx512;
    case Isa::kAvx2:
      return AxpyF16Avx2;
    default:  // scalar; ARM64 has no NEON kernel for this yet
      break;
  }
  return AxpyF16Scalar;
}

}  // namespace inferno::ops
