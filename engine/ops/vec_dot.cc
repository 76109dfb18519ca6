#include "engine/ops/vec_dot.h"

namespace inferno::ops {

VecDotFn GetVecDot(DType t, Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return Avx512VecDot(t);
    case Isa::kAvx2:
      return Avx2VecDot(t);
    case Isa::kScalar:
      return ScalarVecDot(t);
  }
  return nullptr;
}

VecDotFn GetVecDot(DType t) {
  for (int level = int(ActiveIsa()); level >= 0; --level) {
    if (VecDotFn fn = GetVecDot(t, Isa(level))) return fn;
  }
  return nullptr;
}

VecDot4Fn GetVecDot4(DType t) { return ActiveIsa() == Isa::kAvx512 ? Avx512VecDot4(t) : nullptr; }

Gemm4x4Fn GetGemm4x4(DType t) { return ActiveIsa() == Isa::kAvx512 ? Avx512Gemm4x4(t) : nullptr; }

}  // namespace inferno::ops
