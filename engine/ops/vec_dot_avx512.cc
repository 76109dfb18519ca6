// avx512 kernels. Compiled with avx512 flags; only reached through GetVecDot after the runtime
// CPU check.
#include "engine/ops/vec_dot.h"

namespace inferno::ops {

VecDotFn Avx512VecDot(DType t) { return nullptr; }

}  // namespace inferno::ops
