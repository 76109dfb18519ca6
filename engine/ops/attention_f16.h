// Softmax attention of a few query rows over one run of F16 keys/values (a KV cache slice):
// the inner loop of blocks::Attention. The rows are the query heads that share a KV head
// (GQA), so every key and value row is loaded and converted once for all of them; scores for
// a block of keys come out of one SIMD reduction instead of one call and horizontal sum per
// key, the exp is vectorized and V is accumulated in registers. Dispatched like the dot
// kernels (scalar / AVX2+F16C / AVX-512).
//
// Numerics follow llama.cpp's F16 attention path: each query is rounded to F16 before K·Q,
// and each probability is rounded to F16 before weighting V.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/tensor/dtype.h"

namespace inferno::ops {

struct AttentionF16Args {
  int head_dim = 0;          // elements of a query / key row
  int head_dim_v = 0;        // elements of a value / output row
  int n_rows = 0;            // query rows, all attending to the same keys
  const float* q = nullptr;  // row r at q + r * q_stride
  int64_t q_stride = 0;
  // Key j at k + j * k_stride bytes, value j at v + j * v_stride, in their cache types (F16,
  // Q8_0 or Q4_0; a quantized row slice is whole blocks of 32).
  const uint8_t* k = nullptr;
  int64_t k_stride = 0;
  const uint8_t* v = nullptr;
  int64_t v_stride = 0;
  DType k_type = DType::kF16;
  DType v_type = DType::kF16;
  int n_keys = 0;        // keys 0..n_keys-1 are visible to every row (n_keys >= 1)
  float scale = 1.0f;    // applied to q·k before softmax
  float* out = nullptr;  // row r's softmax(q·K^T * scale)·V at out + r * out_stride
  int64_t out_stride = 0;
  // Optional learned attention sinks (gpt-oss): row r's softmax denominator also counts
  // e^sinks[r], a logit of a virtual key that has no value, so the row's weights may sum to
  // less than 1. Not scaled. Null: no sink, and no extra work.
  const float* sinks = nullptr;
  // Optional: when capture && capture[r], row r's softmax weights (before the F16 rounding)
  // go to capture[r][0..n_keys-1].
  float* const* capture = nullptr;
  // Work space of at least AttentionF16ScratchFloats(n_rows, n_keys, head_dim) floats.
  float* scratch = nullptr;
};

// Floats of scratch the kernels need for these sizes.
size_t AttentionF16ScratchFloats(int n_rows, int n_keys, int head_dim);

using AttentionF16Fn = void (*)(const AttentionF16Args& a);

// The kernels below for F16 keys and values; both F16 only (k_type and v_type are ignored).
AttentionF16Fn GetAttentionF16();
// The kernel for these cache types at the active ISA: GetAttentionF16() for F16 / F16, else
// the quantized-cache kernel of attention_kv.h.
AttentionF16Fn GetAttention(DType k_type, DType v_type);

// Per-ISA implementations (each only called when the CPU has the ISA).
void AttentionF16Scalar(const AttentionF16Args& a);
void AttentionF16Avx2(const AttentionF16Args& a);
void AttentionF16Avx512(const AttentionF16Args& a);

// One tile of scores for the one-pass kernel (attention_online.h): scores[r * ss + j] =
// (qf[r]·k[j]) * scale for keys j < a.n_keys and rows r < a.n_rows, where query row r is
// F16-rounded F32 at qf + r * qs, zero-padded to qs (a multiple of 16). Entries past the last
// key up to the next multiple of 16 are set to -inf, so ss must be at least that. Needs
// head_dim a multiple of 8 (AVX2). Only a.k, k_stride, n_keys, head_dim, n_rows and scale
// are read.
void ScoresF16Avx2(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss);
void ScoresF16Avx512(const AttentionF16Args& a, const float* qf, size_t qs, float* scores,
                     size_t ss);

// out[r][d] += sum_j probs[r * ss + j] * v[j][d] over the tile's F16 values (a.v, v_stride,
// n_keys), rows r < a.n_rows at out + r * a.out_stride, d < head_dim_v (a multiple of 8 for
// AVX2): the one-pass kernel's value step, accumulators in registers across the tile.
void AddValuesF16Avx2(const AttentionF16Args& a, const float* probs, size_t ss, float* out);
void AddValuesF16Avx512(const AttentionF16Args& a, const float* probs, size_t ss, float* out);

// Vectorized e^x as the kernels compute it, for x <= 0 (the shifted softmax scores); exposed
// to test it against std::exp. out[i] = exp(x[i]) for n elements.
void ExpNonPositiveAvx2(const float* x, float* out, int64_t n);
void ExpNonPositiveAvx512(const float* x, float* out, int64_t n);

}  // namespace inferno::ops
