#include "engine/ops/quantize_activations.h"

#include "engine/ops/cpu_features.h"
#include "engine/ops/f16_row.h"

namespace inferno::ops {

namespace {

// F16 activations are a plain rounding (F16C's, bit for bit the scalar one).
void F16FromF32(const float* x, void* dst, int64_t n) {
  GetF32ToF16Row()(x, static_cast<uint16_t*>(dst), n);
}

}  // namespace

QuantizeActivationsFn GetQuantizeActivations(DType type) {
  if (type == DType::kF16) return F16FromF32;
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return Avx512QuantizeActivations(type);
    case Isa::kAvx2:
      return Avx2QuantizeActivations(type);
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
