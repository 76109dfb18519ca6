// The pieces the Whisper encoder and decoder share (internal to engine/audio).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/audio/whisper_model.h"

namespace inferno::audio::internal {

inline constexpr float kLayerNormEps = 1e-5f;

// y[n][w.rows] = x[n][w.cols] W^T + b.
void Linear(ThreadPool& pool, const WhisperLinear& l, const float* x, int64_t n, float* y,
            ops::Activations& scratch);

// x[n][d] rounded to F16 into out (resized), scaled first by `scale`.
void ToF16(const float* x, int64_t count, float scale, std::vector<uint16_t>* out);

struct AttendArgs {
  const float* q = nullptr;  // [n_q][n_head * d]
  int64_t n_q = 0;
  const uint16_t* k = nullptr;  // F16 [n_kv][n_head * d]
  const uint16_t* v = nullptr;
  int n_kv = 0;
  // Causal: query i sees keys 0 .. first_pos + i; otherwise every key.
  bool causal = false;
  int first_pos = 0;
  int n_head = 0;
  int d = 0;
  float scale = 1;
  float* out = nullptr;  // [n_q][n_head * d]
};

// Softmax attention per head through ops::GetAttentionF16 (F16-rounded queries and
// probabilities, as ggml's mul_mat with F16 keys/values).
void Attend(ThreadPool& pool, const AttendArgs& a);

// The pre-norm sub-layer's input: LayerNorm(x) * w + b into h.
void PreNorm(const std::vector<float>& w, const std::vector<float>& b, const float* x, int64_t n,
             int64_t d, float* h);

// x += mlp2(gelu(mlp0(LayerNorm(x)))) for n rows; h and ff are scratch of n*d and n*4d.
void FeedForward(ThreadPool& pool, const WhisperBlock& B, int64_t n, int64_t d, float* x, float* h,
                 float* ff, ops::Activations& scratch);

}  // namespace inferno::audio::internal
