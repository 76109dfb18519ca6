#include "engine/ops/f16_row.h"

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {

void F32ToF16RowScalar(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = F32ToF16(x[i]);
}

F32ToF16RowFn GetF32ToF16Row() {
  return Supports(ActiveIsa(), Isa::kAvx2) ? F32ToF16RowAvx2 : F32ToF16RowScalar;
}

}  // namespace inferno::ops
