// Building blocks of a transformer layer, shared by the architecture files. Each block works
// on `n_tokens` rows at once (a prompt batch or a single decode step) and mirrors the
// numerics of llama.cpp's CPU backend where they matter for parity (F16 keys/values and
// attention inputs, F16-rounded GELU, iterative RoPE angles).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/runtime/kv_cache.h"
#include "engine/threads/thread_pool.h"

namespace inferno::blocks {

// out[t] = x[t] / rms(x[t]) * weight, for each of n_tokens rows of n (out may alias x).
void RmsNorm(const float* x, const float* weight, float* out, int64_t n_tokens, int64_t n,
             float eps);

// out[t] = (x[t] - mean(x[t])) / sqrt(var(x[t]) + eps) * weight + bias, for each of n_tokens
// rows of n (out may alias x): BERT's LayerNorm, as ggml_norm followed by the affine part.
void LayerNorm(const float* x, const float* weight, const float* bias, float* out, int64_t n_tokens,
               int64_t n, float eps);

// Adds bias[n] to each of n_tokens rows.
void AddBias(float* x, const float* bias, int64_t n_tokens, int64_t n);

// x += y over n elements.
void Add(float* x, const float* y, int64_t n);

struct RopeParams {
  int n_rot = 0;                        // rotated dimensions per head
  float freq_base = 10000;              // theta base
  float freq_scale = 1;                 // linear position scaling
  bool neox = false;                    // pairs (i, i + n_rot/2) instead of (2i, 2i+1)
  const float* freq_factors = nullptr;  // optional per-pair divisors (llama3, LongRoPE)
  // YaRN, as ggml's rope_yarn: pair i's angle blends the scaled (interpolated) and unscaled
  // (extrapolated) angle by ext_factor * ramp(i), the ramp falling from 1 to 0 between the
  // correction dims that beta_fast and beta_slow give for a training context of n_ctx_orig.
  // 0 turns it off.
  float ext_factor = 0;
  // cos and sin are multiplied by this; with YaRN on, also by 1 + 0.1 ln(1 / freq_scale).
  float attn_factor = 1;
  float beta_fast = 32;
  float beta_slow = 1;
  int n_ctx_orig = 0;
};

// The first and last pair index of YaRN's ramp (ggml_rope_yarn_corr_dims): pairs below the
// first keep their unscaled angle, pairs above the last are fully interpolated.
void RopeYarnCorrDims(int n_rot, int n_ctx_orig, float freq_base, float beta_fast, float beta_slow,
                      float dims[2]);

// Rotates each head of x[n_tokens][n_heads * head_dim] in place by its token's position.
void Rope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
          const RopeParams& p);

// M-RoPE (Qwen2-VL): a token's positions for the temporal, height and width sections of the
// rotated pairs (a text token has its position in all three; an image token the image's start
// in t and start + its row / column in h / w).
struct MropePosition {
  int32_t t = 0, h = 0, w = 0;
};

// NeoX RoPE where pair i turns by the position of its section: sector i % (sum of sections)
// falls in sections[0] (t), sections[1] (h), sections[2] (w) or sections[3] (a fourth position,
// always 0 in the language model), as ggml's rope_multi (GGML_ROPE_TYPE_MROPE).
void MRope(float* x, int64_t n_tokens, int n_heads, int head_dim, const MropePosition* positions,
           const std::array<int, 4>& sections, const RopeParams& p);

struct AttentionParams {
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int head_dim_v = 0;
  float kq_scale = 1.0f;  // applied to the scores before softmax
  int window = 0;         // sliding window in positions; 0 = full causal attention
  // false: bidirectional (BERT). Each token then sees every position of its sequence up to
  // the last one in the batch, so the whole sequence must come in one batch.
  bool causal = true;
  // Optional learned sinks, one logit per query head [n_head] (gpt-oss): each joins its
  // head's softmax denominator as a key without a value. Null: plain softmax.
  const float* sinks = nullptr;
  // Batches whose longest attention row has at least this many keys (and no capture) run the
  // one-pass kernel (engine/ops/attention_online.h), with the keys of each head split across
  // threads when the heads alone would leave threads idle. Shorter rows keep the two-pass
  // kernels, whose F16 probabilities match llama.cpp's default path bit for bit.
  int online_min_keys = 1024;
};

// Where Attention() records one token's softmax weights: head h's weights over positions
// 0..pos (zero outside a sliding window; the rest of the buffer is left as it is) go to
// rows + slot * stride, slot = head_slot ? head_slot[h] : h. Nothing is recorded for a token
// whose rows is null, nor for a head whose slot is negative. Capture hooks hand these out
// (engine/model/capture_hook.h): the per-token probe uses all heads and stride pos + 1; the
// prompt map (engine/runtime/probes.h) its chosen heads, each a lower triangle over the whole
// prompt.
struct AttentionCaptureRow {
  float* rows = nullptr;
  const int* head_slot = nullptr;
  int64_t stride = 0;
};

// Per-thread work space of the attention kernel (engine/ops/attention_f16.h): F16-rounded
// queries and the scores of one work item.
struct AttentionScratch {
  static constexpr int kMaxRows = 16;  // query heads per KV head kept on the stack
  std::vector<std::vector<float>> work;
  // Rotated copies of the batch's queries, keys and values (KvCache::k_rotation()).
  std::vector<float> rotated_q, rotated_kv;
  // The one-pass path: per work unit its item and key range, and the partial results of the
  // items split over several units (ops::CombinePartials).
  struct Unit {
    int64_t item;
    int lo, n_keys;  // keys [lo, lo + n_keys) of the item's visible range
    int64_t slot;    // partial slot; -1: the item's only unit, finished in place
  };
  std::vector<Unit> units;
  std::vector<int64_t> split_items;  // items whose units' partials are combined after
  std::vector<int64_t> first_slot;   // per split item: its first partial slot
  std::vector<float> partials;
  void Reserve(int n_threads, int n_rows, int n_ctx, int head_dim);
};

// Writes k/v rows of the batch into their caches at their positions (as F16), then for every
// token and head computes softmax(q·K^T * scale + causal/window mask)·V into
// out[n_tokens][n_head * head_dim_v]. Token t belongs to the sequence whose cache is
// caches[t] and sees that cache's positions <= positions[t], so one batch can hold tokens of
// several sequences.
// When capture is set, token t's softmax weights are also written where capture[t] says: the
// attention probes.
void Attention(ThreadPool& pool, const AttentionParams& p, const float* q, const float* k,
               const float* v, int64_t n_tokens, const int32_t* positions, KvCache* const* caches,
               int layer, float* out, AttentionScratch& scratch,
               const AttentionCaptureRow* capture = nullptr);

// out[i] = silu(gate[i]) * up[i].
void SwiGlu(const float* gate, const float* up, float* out, int64_t n);
// out[i] = gelu_tanh(gate[i]) * up[i], with the gate rounded to F16 as llama.cpp does.
void GeGlu(const float* gate, const float* up, float* out, int64_t n);
// x[i] = gelu_tanh(x[i]) in place, rounded through F16 as llama.cpp's ggml_gelu.
void Gelu(float* x, int64_t n);

}  // namespace inferno::blocks
