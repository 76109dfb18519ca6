// The forward pass: tokens in, logits out, KV cache updated. Reads top to bottom:
// embed → for each layer the family's block → final norm → output projection.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "engine/model/blocks.h"
#include "engine/model/capture_hook.h"
#include "engine/model/model.h"
#include "engine/ops/matmul.h"
#include "engine/runtime/kv_cache.h"
#include "engine/threads/thread_pool.h"

namespace inferno {

// Activation buffers for batches of up to max_tokens tokens, allocated once so that the
// token loop does not allocate.
struct ForwardState {
  ForwardState(const ModelConfig& c, int max_tokens);

  int max_tokens;
  std::vector<float> x;        // residual stream [T][n_embd]
  std::vector<float> xb;       // normalised input of a sub-block [T][n_embd]
  std::vector<float> q, k, v;  // [T][q_dim], [T][k_dim], [T][v_dim]
  std::vector<float> qkv;      // fused projection output (phi3) [T][q+k+v], sized on first use
  std::vector<float> attn;     // attention output, heads concatenated [T][n_head*head_dim_v]
  std::vector<float> proj;     // output of wo / ffn_down [T][n_embd]
  std::vector<float> gate;     // [T][n_ff]
  std::vector<float> up;       // [T][2*n_ff] (phi3 fuses gate and up)
  std::vector<float> hidden;   // [T][n_ff]
  std::vector<float> last;     // final-normed hidden state of the logits rows
  ops::Activations act_in;     // quantized xb, shared by the projections that read it
  ops::Activations act_mid;    // quantized attn / hidden
  blocks::AttentionScratch attention;
  std::vector<KvCache*> caches;     // per-token cache pointers for single-sequence calls
  std::vector<int32_t> logit_rows;  // rows whose logits single-sequence calls want
  std::vector<blocks::AttentionCaptureRow> attn_rows;  // per token: the hooks' attn_weights
  MoeScratch moe;             // mixture-of-experts layers; grows on first use
  DeltaNetScratch delta_net;  // linear-attention layers; grows on first use
  // Set by the caller around one call, else left null/false. input_embeddings: the batch's
  // rows come from here ([T][n_embd], e.g. image embeddings from engine/vision) instead of the
  // token embeddings, unscaled, as llama.cpp's batch.embd input. bidirectional: the batch's
  // tokens see each other both ways, as mtmd has llama.cpp decode Gemma 3's image tokens.
  const float* input_embeddings = nullptr;
  bool bidirectional = false;
  // M-RoPE models (ModelConfig::mrope): the batch's per-token positions, set by the caller
  // around one call when they are not each token's own position in every section (the tokens
  // of an image, and the text after one: engine/runtime/media.h). Null: text positions.
  const blocks::MropePosition* mrope = nullptr;
};

// Everything one layer needs; the family functions below read and update s.x in place.
struct LayerContext {
  const ModelConfig& config;
  const LayerWeights& w;
  int layer;
  ThreadPool& pool;
  KvCache* const* caches;  // per token: the cache of the sequence it belongs to
  int64_t n_tokens;
  const int32_t* positions;
  ForwardState& s;
  const float* rope_factors;            // per-pair RoPE divisors of this batch, or null
  std::span<CaptureHook* const> hooks;  // empty, or one per token (null: not probed)
};

// Multiplies one input x[n_tokens][n] by several matrices, converting it once per
// activation format (Q, K and V, or gate and up, usually share one).
struct Projection {
  const ops::WeightMatrix* w;
  float* out;
};
void MatMulShared(ThreadPool& pool, ops::Activations& act, const float* x, int64_t n_tokens,
                  int64_t n, std::initializer_list<Projection> projections);

// "attn_weights" of this layer: the rows the hooks that want it gave (one per token), or null
// when no token's hook does, which is always the case without hooks.
const blocks::AttentionCaptureRow* AttentionWeightRows(LayerContext& ctx);

// The attention sub-block most families share: x += Wo · attention(rope(q), rope(k), v) with
// q, k, v = Wq·n, Wk·n, Wv·n (+ biases when the layer has them), n = rmsnorm(x), and per-head
// Q/K RMSNorm before RoPE when the layer has q_norm/k_norm, and the attention temperature after
// it when the config has one. An output bias (bo) and learned attention sinks (attn_sinks) are
// used when the layer has them. `rope` and `window` are the layer's.
void StandardAttention(LayerContext& ctx, const blocks::RopeParams& rope, int window);

// Its second half, for families that compute s.q, s.k, s.v their own way (Phi-3's fused
// projection): Attend, then ProjectAttention.
void AttendAndProject(LayerContext& ctx, const blocks::RopeParams& rope, int window);
// RoPE, temperature and scale of the queries, attention over the KV cache into s.attn.
void Attend(LayerContext& ctx, const blocks::RopeParams& rope, int window);
// Wo (+ bo) of s.attn, the post-attention norm if any, and the residual add.
void ProjectAttention(LayerContext& ctx);

// x += postnorm(s.proj), the norm only when the layer has one: how every sub-block ends.
void AddToResidual(LayerContext& ctx, const std::vector<float>& post_norm);

// The feed-forward sub-block: x += Wdown · (act(Wgate·n) * Wup·n), n = rmsnorm(x).
enum class GatedAct { kSilu, kGeluTanh };
void GatedFfn(LayerContext& ctx, GatedAct act);

// The mixture-of-experts feed-forward: x += MoeFfn(rmsnorm(x)) (engine/model/moe.h), handing
// the router's choice to the hooks that want "router".
void MoeFfnSubBlock(LayerContext& ctx, const MoeParams& params);

// The dense SwiGLU layer of Llama, Qwen2, Qwen3 and Mistral 3 (their differences are in their
// tensors and config): StandardAttention with the config's RoPE and no window, then
// GatedFfn(kSilu). Those families point their Family::layer here.
void SwiGluLayer(LayerContext& ctx);

// The RoPE parameters of the config (base, scaling, YaRN, style) with the batch's factors.
blocks::RopeParams ConfigRope(const LayerContext& ctx);

// The RoPE factors a sequence whose KV cache holds n_ctx positions uses: rope_freqs, or for
// LongRoPE the long factors when n_ctx exceeds the original context (as llama.cpp decides by its
// n_ctx_seq), else the short ones; null without factors.
const float* RopeFactorsFor(const ModelConfig& c, const Weights& w, int n_ctx);

// Evaluates a batch that may mix sequences: token t is appended to caches[t] at
// positions[t] and attends only to that cache. Every weight matrix is read once for the
// whole batch, which is what makes batching several sequences pay. Writes the logits of the
// rows listed in logit_rows, in that order, to logits[i][n_vocab].
// tokens.size() must be <= state.max_tokens. `hooks` is empty (nothing probed) or holds one
// capture hook per token, null for tokens nobody probes (engine/model/capture_hook.h).
void ForwardBatch(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
                  std::span<const int32_t> tokens, std::span<const int32_t> positions,
                  std::span<const int32_t> logit_rows, ForwardState& state, float* logits,
                  std::span<CaptureHook* const> hooks = {});

// ForwardBatch without the output projection, for embeddings: the same pass, then the final
// hidden states (after the output norm, before the LM head) of the rows listed in `rows`, in
// that order, into hidden[i][n_embd]. The caller pools them (engine/model/pooling.h).
void ForwardHidden(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
                   std::span<const int32_t> tokens, std::span<const int32_t> positions,
                   std::span<const int32_t> rows, ForwardState& state, float* hidden,
                   std::span<CaptureHook* const> hooks = {});

// The model's output norm of n_rows residual rows x[n_rows][n_embd] into out: what every row
// goes through before the LM head or the embedding pooling. A family that binds no
// output_norm (its layers already end in a norm, as BERT's) gets the rows unchanged.
void OutputNorm(const Model& model, const float* x, int64_t n_rows, float* out);

// Final norm and output projection of n_rows hidden states x[n_rows][n_embd] (after the last
// layer, or any layer for the logit lens) into logits[n_rows][n_vocab]. Uses state.last and
// state.act_in as scratch.
void ProjectToVocab(const Model& model, ThreadPool& pool, const float* x, int64_t n_rows,
                    ForwardState& state, float* logits);

// One sequence: evaluates `tokens` at `positions` (appending their keys/values to the
// cache) and writes logits: the last token's into logits[n_vocab], or every token's into
// logits[n_tokens][n_vocab] when all_logits. `hooks` as for ForwardBatch.
void Forward(const Model& model, ThreadPool& pool, KvCache& cache, std::span<const int32_t> tokens,
             std::span<const int32_t> positions, ForwardState& state, float* logits,
             bool all_logits = false, std::span<CaptureHook* const> hooks = {});

}  // namespace inferno
