// Scalar reference dot products of the grid formats (IQ3_XXS, IQ3_S, IQ2_S; iq3_grids.h) with
// Q8_K activations, as llama.cpp pairs them: integer sums per half sub-block times the odd
// scales 2s + 1, per block times d_w * d_y, and the type's constant unit applied once at the
// end (as ggml_vec_dot_iq*_q8_K do). The SIMD kernels are tested against these.
#include <type_traits>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/iq3_grids.h"

namespace inferno::ops {
namespace {

// Σ ±mag·q8 over 16 weights of a decoded sub-block, starting at weight `from`.
int SignedSum16(const GridSub32& s, int from, const int8_t* q8) {
  int sum = 0;
  for (int j = from; j < from + 16; ++j) {
    const int w = s.mag[j];
    sum += ((s.neg >> j) & 1 ? -w : w) * q8[j];
  }
  return sum;
}

template <typename Block>
float DotGrid(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const IQ3Grids& g = GetIQ3Grids();
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0;  // at most 8 · 32 · 62 · 127 · 31: fits
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      GridSub32 s;
      DecodeSub32(x[i], ib, g, &s);
      const int8_t* q8 = y[i].qs + 32 * ib;
      isum += s.scale[0] * SignedSum16(s, 0, q8) + s.scale[1] * SignedSum16(s, 16, q8);
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum);
  }
  return GridUnit<Block>() * sum;
}

}  // namespace

VecDotFn ScalarIQ3VecDot(DType t) {
  return ForGridBlock<VecDotFn>(
      t, [](auto* b) -> VecDotFn { return DotGrid<std::remove_pointer_t<decltype(b)>>; });
}

}  // namespace inferno::ops
