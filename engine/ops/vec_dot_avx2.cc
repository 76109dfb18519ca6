// avx2 kernels. Compiled with avx2 flags; only reached through GetVecDot after the runtime
// CPU check.
#include "engine/ops/vec_dot.h"

namespace inferno::ops {

VecDotFn Avx2VecDot(DType t) { return nullptr; }

}  // namespace inferno::ops
