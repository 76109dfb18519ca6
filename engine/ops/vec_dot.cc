#include "engine/ops/vec_dot.h"

namespace inferno::ops {

namespace {

// The first non-null kernel: the main table's, else the codebook and grid formats' tables.
template <typename Fn, typename... More>
Fn Either(Fn main, More... more) {
  if constexpr (sizeof...(more) == 0) {
    return main;
  } else {
    return main != nullptr ? main : Either<Fn>(more...);
  }
}

}  // namespace

VecDotFn GetVecDot(DType t, Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return Either(Avx512VecDot(t), Avx512IQuantVecDot(t), Avx512IQ3VecDot(t));
    case Isa::kAvx2:
      return Either(Avx2VecDot(t), Avx2IQuantVecDot(t), Avx2IQ3VecDot(t));
    case Isa::kScalar:
      return ScalarVecDot(t);
#if defined(__aarch64__)
    case Isa::kNeon:
      return NeonVecDot(t);
    case Isa::kNeonDotprod:
      return NeonDotprodVecDot(t);
    case Isa::kNeonI8mm:
      return nullptr;  // i8mm speeds up the 4×4 tiles (GetGemm4x4), not single rows
#endif
    default:
      return nullptr;
  }
}

VecDotFn GetVecDot(DType t) {
  for (Isa isa = ActiveIsa();; isa = LowerIsa(isa)) {
    if (VecDotFn fn = GetVecDot(t, isa)) return fn;
    if (isa == Isa::kScalar) return nullptr;
  }
}

namespace {

// The level GetVecDot(t) takes its kernel from. Four-row kernels and tiles come from that
// level only: a tile of another level would round otherwise than the one-row kernel, and
// prefill or a batch would then pick other tokens than one-token decoding.
Isa KernelIsa(DType t) {
  for (Isa isa = ActiveIsa();; isa = LowerIsa(isa)) {
    if (isa == Isa::kScalar || GetVecDot(t, isa) != nullptr) return isa;
  }
}

}  // namespace

VecDot4Fn GetVecDot4(DType t) {
  switch (KernelIsa(t)) {
    case Isa::kAvx512:
      return Either(Avx512VecDot4(t), Avx512IQuantVecDot4(t), Avx512IQ3VecDot4(t));
    case Isa::kAvx2:
      return Either(Avx2VecDot4(t), Avx2IQuantVecDot4(t));
    default:
      return nullptr;
  }
}

Gemm4x4Fn GetGemm4x4(DType t) {
#if defined(__aarch64__)
  if (ActiveIsa() == Isa::kNeonI8mm) return NeonI8mmGemm4x4(t);
#endif
  switch (KernelIsa(t)) {
    case Isa::kAvx512:
      return Either(Avx512Gemm4x4(t), Avx512IQuantGemm4x4(t), Avx512IQ3Gemm4x4(t));
    case Isa::kAvx2:
      return Either(Avx2Gemm4x4(t), Avx2IQuantGemm4x4(t));
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
