// One arithmetic, three shapes: the AVX2 kernels of the block formats are written once, as a
// step over one weight block against the blocks of kTokens activation rows, and this header
// turns such a step into the one-row dot product, the four-row kernel (decode) and the 4×4
// tile (prefill). Every (row, token) pair goes through exactly the same operations in the
// same order in all three, so a prompt processed in tiles gives the logits that decoding its
// tokens one by one gives, bit for bit (batched sequences and speculative verification pick
// the tokens one-token decoding picks). Integer sums may be formed in any order (they are
// exact); the float accumulation is per pair and in block order.
//
// What tiles save over one row at a time: each weight block is loaded and unpacked once for
// several tokens, and the independent accumulators of several pairs hide the latency of the
// float multiply-add that chains a single dot product's blocks (4 cycles per block on Zen 3,
// the bound of a one-row Q8_0 dot).
//
// A step kernel K provides:
//   using WBlock, ABlock;          // the weight block and the activation block types
//   static constexpr int kBlock;   // elements per block
//   template <int kTokens>
//   static void Step(const WBlock& x, const ABlock* const* y, Acc* acc);
//   static float Finish(const Acc& acc);
//
// Include from *_avx2.cc files only (internal linkage, as simd_x86.h explains).
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): internal linkage is required (simd_x86.h).

// The running sum of one (row, token) pair: eight float lanes, plus a scalar for the kernels
// that keep one beside them (offsets of Q4_1/Q5_1, the mins of the K-quants).
struct Acc {
  __m256 v = _mm256_setzero_ps();
  float s = 0;
};

template <class K>
float DotRow(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const typename K::WBlock*>(w);
  const auto* y = static_cast<const typename K::ABlock*>(a);
  Acc acc;
  for (int64_t i = 0; i < n / K::kBlock; ++i) {
    const typename K::ABlock* yi[1] = {y + i};
    K::template Step<1>(x[i], yi, &acc);
  }
  return K::Finish(acc);
}

// Rows 0..3 of w (row_bytes apart) against activation rows 0..kTokens-1 (a_row_bytes apart);
// out[t * out_stride + r].
template <class K, int kTokens>
void Rows4(int64_t n, const void* w, size_t row_bytes, const void* a, size_t a_row_bytes,
           float* out, size_t out_stride) {
  using WBlock = typename K::WBlock;
  using ABlock = typename K::ABlock;
  Acc acc[4][kTokens];
  for (int64_t i = 0; i < n / K::kBlock; ++i) {
    const ABlock* yi[kTokens];
    for (int t = 0; t < kTokens; ++t) yi[t] = RowAt<ABlock>(a, a_row_bytes, t) + i;
    for (int r = 0; r < 4; ++r) {
      K::template Step<kTokens>(RowAt<WBlock>(w, row_bytes, r)[i], yi, acc[r]);
    }
  }
  for (int t = 0; t < kTokens; ++t) {
    for (int r = 0; r < 4; ++r) out[t * out_stride + r] = K::Finish(acc[r][t]);
  }
}

// The four-row kernel (VecDot4Fn): one activation row, out[r].
template <class K>
void Dot4Rows(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  Rows4<K, 1>(n, w, row_bytes, a, 0, out, 0);
}

// The 4×4 tile (Gemm4x4Fn). Sixteen accumulators are more than AVX2 has registers for, but
// one pass over four tokens measured faster than two passes over two for every type (Q8_0 and
// the K-quants alike): the spilled accumulators are touched once per block, the unpacking and
// the weight loads it saves are per element.
template <class K>
void Gemm4x4Rows(int64_t n, const void* w, size_t row_bytes, const void* a, size_t a_row_bytes,
                 float* out, size_t out_stride) {
  Rows4<K, 4>(n, w, row_bytes, a, a_row_bytes, out, out_stride);
}

}  // namespace
}  // namespace inferno::ops
#endif
