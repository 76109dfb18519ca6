#include "engine/ops/quantize_activations.h"

#include "engine/ops/cpu_features.h"

namespace inferno::ops {

QuantizeActivationsFn GetQuantizeActivations(DType type) {
  return ActiveIsa() == Isa::kAvx512 ? Avx512QuantizeActivations(type) : nullptr;
}

}  // namespace inferno::ops
