// Attention of every row over all rows in F32: the self-attention of an image encoder (a ViT),
// where the queries are the keys' own tokens, there is no causal mask and no cache. An
// optional group id per token keeps each token to its own group (Qwen2.5-VL's windows).
//
// Numerics are those of llama.cpp's non-flash F32 path (ggml_mul_mat, ggml_soft_max_ext,
// ggml_mul_mat), the oracle of the vision parity tests: F32 scores and values, the softmax sum
// in double. Only the summation order differs.
//
// Layout of the work: per head, the keys are packed transposed (head_dim x n) and the values
// row by row, both zero-padded to 16 floats; a block of kF32QueryBlock queries then takes two
// small GEMMs (scores = Q K^T, out = P V) whose operands stay in L2, where the plain loop
// visited every key row once per query and spent 90% of a Gemma-3-sized encoder pass there.
#pragma once

#include <cstdint>

#include "engine/threads/thread_pool.h"

namespace inferno::ops {

struct AttentionF32Args {
  const float* q = nullptr;  // [n][n_head * head_dim], as are k, v and out
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t n = 0;
  int n_head = 0;
  int head_dim = 0;
  float scale = 1.0f;              // applied to the scores before the softmax
  const int32_t* group = nullptr;  // null, or one id per token: attend within the same id only
  float* out = nullptr;
};

// out = softmax(scale * Q K^T [masked]) V, per head.
void AttentionF32(ThreadPool& pool, const AttentionF32Args& a);

// The two pieces each ISA provides (attention_f32_avx512.cc; scalar in attention_f32.cc).
// c[m][0..n) = sum_k a[m][k] * b[k][0..n) for m < rows, with rows a multiple of 8 and n of 16.
using GemmF32Fn = void (*)(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda,
                           const float* b, int64_t ldb, float* c, int64_t ldc);
// x[i] = e^(x[i] - max) for i < n, returning their sum in double (ggml_vec_soft_max_f32).
using ExpShiftSumFn = double (*)(float* x, int64_t n, float max);
// x[i] *= scale for i < n, returning the largest.
using ScaleMaxFn = float (*)(float* x, int64_t n, float scale);

void GemmF32Scalar(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc);
void GemmF32Avx512(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc);
double ExpShiftSumScalar(float* x, int64_t n, float max);
double ExpShiftSumAvx512(float* x, int64_t n, float max);
float ScaleMaxScalar(float* x, int64_t n, float scale);
float ScaleMaxAvx512(float* x, int64_t n, float scale);

}  // namespace inferno::ops
