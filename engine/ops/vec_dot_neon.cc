// NEON dot products for any ARMv8-A CPU (Cortex-A53/A72 lack the int8 dot product): bytes
// multiplied into 16-bit products (|-128 * -128| = 16384 fits) and added pairwise into int32.
#include "engine/ops/vec_dot_neon.h"

#include <arm_neon.h>

namespace inferno::ops {
namespace {

struct WideningDot {
  static int32x4_t Dot(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_high_s8(a, b));
  }
};

}  // namespace

VecDotFn NeonVecDot(DType t) { return NeonTable<WideningDot>(t); }

}  // namespace inferno::ops
