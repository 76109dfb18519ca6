// AVX-512 dot products of the grid formats (IQ3_XXS, IQ3_S, IQ2_S) with Q8_K activations:
// single-row and four-row (decode) forms and 4×4 prompt tiles. The weights' sign bits are an
// AVX-512BW byte mask, so applying them to the activations is one masked subtract; maddubs
// multiplies the unsigned grid magnitudes (iq3_x86.h) into int16 pair sums and vpdpwssd
// applies the sub-block scales while accumulating. 256-bit registers, as the other VNNI
// kernels (vec_dot_avx512.cc).
//
// All three forms share the per-block arithmetic (UnpackGrid + AccumulateGrid), so prefill
// and decode compute bit-identical values, as the K-quant kernels do.
#if defined(__x86_64__) || defined(__i386__)
#include <type_traits>

#include "engine/ops/iq3_x86.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"

namespace inferno::ops {
namespace {

struct UnpackedGrid {
  __m256i mag[8];
  __mmask32 neg[8];
  __m256i scale[8];
  float d;
};

template <typename Block>
inline void UnpackGrid(const Block& b, const IQ3Grids& g, UnpackedGrid* u) {
  for (int ib = 0; ib < kQK_K / 32; ++ib) {
    const GridVec32 s = LoadGridSub(b, ib, g);
    u->mag[ib] = s.mag;
    u->neg[ib] = s.neg;
    u->scale[ib] = s.scale;
  }
  u->d = H2F(b.d);
}

// acc += the unpacked block times one Q8_K block (before the type's unit). Per lane at most
// 8 sub-blocks · 2 pairs · 15748 · 31: no int32 overflow.
inline void AccumulateGrid(const UnpackedGrid& u, const BlockQ8_K& y, __m256* acc) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i sum = zero;
  for (int ib = 0; ib < kQK_K / 32; ++ib) {
    const __m256i yv = Load(y.qs + 32 * ib);
    const __m256i ys = _mm256_mask_sub_epi8(yv, u.neg[ib], zero, yv);
    sum = _mm256_dpwssd_epi32(sum, _mm256_maddubs_epi16(u.mag[ib], ys), u.scale[ib]);
  }
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(u.d * y.d), _mm256_cvtepi32_ps(sum), *acc);
}

template <typename Block>
float DotGrid(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const IQ3Grids& g = GetIQ3Grids();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    UnpackedGrid u;
    UnpackGrid(x[i], g, &u);
    AccumulateGrid(u, y[i], &acc);
  }
  return GridUnit<Block>() * HorizontalSum(acc);
}

template <typename Block>
void DotGridx4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const IQ3Grids& g = GetIQ3Grids();
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      // The same block of the next group of four rows, which the next call reads: four
      // interleaved row streams defeat the hardware prefetcher (as in the K-quant kernels).
      PrefetchBytes(reinterpret_cast<const uint8_t*>(&x[r][i]) + 4 * row_bytes, sizeof(Block));
      UnpackedGrid u;
      UnpackGrid(x[r][i], g, &u);
      AccumulateGrid(u, y[i], &acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = GridUnit<Block>() * HorizontalSum(acc[r]);
}

template <typename Block>
void GemmGrid(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
              float* out, size_t out_stride) {
  const IQ3Grids& g = GetIQ3Grids();
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      UnpackedGrid u;
      UnpackGrid(RowAt<Block>(w, w_row_bytes, r)[i], g, &u);
      for (int k = 0; k < 4; ++k) {
        AccumulateGrid(u, RowAt<BlockQ8_K>(a, a_row_bytes, k)[i], &acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) {
      out[k * out_stride + r] = GridUnit<Block>() * HorizontalSum(acc[k][r]);
    }
  }
}

}  // namespace

VecDotFn Avx512IQ3VecDot(DType t) {
  return ForGridBlock<VecDotFn>(
      t, [](auto* b) -> VecDotFn { return DotGrid<std::remove_pointer_t<decltype(b)>>; });
}

VecDot4Fn Avx512IQ3VecDot4(DType t) {
  return ForGridBlock<VecDot4Fn>(
      t, [](auto* b) -> VecDot4Fn { return DotGridx4<std::remove_pointer_t<decltype(b)>>; });
}

Gemm4x4Fn Avx512IQ3Gemm4x4(DType t) {
  return ForGridBlock<Gemm4x4Fn>(
      t, [](auto* b) -> Gemm4x4Fn { return GemmGrid<std::remove_pointer_t<decltype(b)>>; });
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx512IQ3VecDot(DType) { return nullptr; }
VecDot4Fn Avx512IQ3VecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx512IQ3Gemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
