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
//   static constexpr int kChains;  // accumulators per pair, 1 or 2 (Finish takes as many)
//   template <int kTokens>
//   static void Step(const WBlock& x, const ABlock* const* y, Acc* acc);
//   static float Finish(const Acc& acc);  // or (const Acc& even, const Acc& odd)
//
// Include from *_avx2.cc files only (internal linkage, as simd_x86.h explains).
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): internal linkage is required (simd_x86.h).

// The running sum of one (row, token) pair: eight float lanes, plus a scalar for the kernels
// that keep one beside them (offsets of Q4_1/Q5_1, the mins of the K-quants).
struct Acc {
  __m256 v = _mm256_setzero_ps();
  float s = 0;
};

// Rows 0..kRows-1 of w (row_bytes apart) against activation rows 0..kTokens-1 (a_row_bytes
// apart); out[t * out_stride + r]. Block i goes to accumulator chain i % K::kChains of its
// pair (two chains hide the multiply-add latency where a pair has little other work).
template <class K, int kRows, int kTokens>
void Rows(int64_t n, const void* w, size_t row_bytes, const void* a, size_t a_row_bytes, float* out,
          size_t out_stride) {
  using WBlock = typename K::WBlock;
  using ABlock = typename K::ABlock;
  constexpr int kChains = K::kChains;
  Acc acc[kChains][kRows][kTokens];
  auto step = [&](int64_t i, int chain) {
    const ABlock* yi[kTokens];
    for (int t = 0; t < kTokens; ++t) yi[t] = RowAt<ABlock>(a, a_row_bytes, t) + i;
    for (int r = 0; r < kRows; ++r) {
      const WBlock& x = RowAt<WBlock>(w, row_bytes, r)[i];
      if constexpr (kRows > 1 && kTokens == 1) {
        // Decode streams the matrix from memory. Rows are contiguous, so one row at a time
        // reads one sequential stream; four at once read four, which the hardware prefetcher
        // follows less well (the four-row kernel was slower than one row on 8192 x 2048
        // without this). Fetch the same block of the next group of four rows ahead of use.
        PrefetchBytes(reinterpret_cast<const uint8_t*>(&x) + kRows * row_bytes, sizeof(WBlock));
      }
      K::template Step<kTokens>(x, yi, acc[chain][r]);
    }
  };
  const int64_t nb = n / K::kBlock;
  int64_t i = 0;
  for (; i + kChains <= nb; i += kChains) {
    for (int c = 0; c < kChains; ++c) step(i + c, c);
  }
  for (int c = 0; i < nb; ++i, ++c) step(i, c);
  for (int t = 0; t < kTokens; ++t) {
    for (int r = 0; r < kRows; ++r) {
      if constexpr (kChains == 1) {
        out[t * out_stride + r] = K::Finish(acc[0][r][t]);
      } else {
        out[t * out_stride + r] = K::Finish(acc[0][r][t], acc[1][r][t]);
      }
    }
  }
}

// The one-row kernel (VecDotFn).
template <class K>
float DotRow(int64_t n, const void* w, const void* a) {
  float out;
  Rows<K, 1, 1>(n, w, 0, a, 0, &out, 0);
  return out;
}

// The four-row kernel (VecDot4Fn): one activation row, out[r].
template <class K>
void Dot4Rows(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  Rows<K, 4, 1>(n, w, row_bytes, a, 0, out, 0);
}

// The 4×4 tile (Gemm4x4Fn). Sixteen accumulators are more than AVX2 has registers for, but
// one pass over four tokens measured faster than two passes over two for every type (Q8_0 and
// the K-quants alike): the spilled accumulators are touched once per block, the unpacking and
// the weight loads it saves are per element.
template <class K>
void Gemm4x4Rows(int64_t n, const void* w, size_t row_bytes, const void* a, size_t a_row_bytes,
                 float* out, size_t out_stride) {
  Rows<K, 4, 4>(n, w, row_bytes, a, a_row_bytes, out, out_stride);
}

// The form of a step kernel a kernel table hands out: Form<VecDotFn>::Of<K>() is DotRow<K>,
// likewise for VecDot4Fn and Gemm4x4Fn, so one switch over the types serves all three tables.
template <class Fn>
struct Form;
template <>
struct Form<VecDotFn> {
  template <class K>
  static VecDotFn Of() {
    return DotRow<K>;
  }
};
template <>
struct Form<VecDot4Fn> {
  template <class K>
  static VecDot4Fn Of() {
    return Dot4Rows<K>;
  }
};
template <>
struct Form<Gemm4x4Fn> {
  template <class K>
  static Gemm4x4Fn Of() {
    return Gemm4x4Rows<K>;
  }
};

}  // namespace
}  // namespace inferno::ops
#endif
