// NEON dot products with SDOT (ARMv8.2 FEAT_DotProd: Cortex-A55/A76+, Neoverse, Apple M1+),
// four signed byte products added into each int32 lane in one instruction. Compiled with
// +dotprod (CMakeLists.txt) and called only where DetectedIsa() found it.
#include <arm_neon.h>

#include "engine/ops/vec_dot_neon.h"

namespace inferno::ops {
namespace {

struct SdotDot {
  static int32x4_t Dot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
};

}  // namespace

VecDotFn NeonDotprodVecDot(DType t) { return NeonTable<SdotDot>(t); }

}  // namespace inferno::ops
