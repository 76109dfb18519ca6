// The forward pass: tokens in, logits out, KV cache updated. Reads top to bottom:
// embed → for each layer the family's block → final norm → output projection.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "engine/model/blocks.h"
#include "engine/model/model.h"
#include "engine/ops/matmul.h"
#include "engine/runtime/events.h"
#include "engine/runtime/kv_cache.h"
#include "engine/threads/thread_pool.h"

namespace inferno {

// What a forward pass records about one token for the probes (engine/runtime/probes.h).
// Nothing is recorded unless ForwardState::capture points here, so probes cost nothing off.
struct TokenCapture {
  // Attention: attention_layers[l] != 0 records layer l's softmax weights of this token's
  // queries over the positions it sees, into attention[l] as [n_head][position + 1]
  // (positions outside a sliding window hold 0).
  std::vector<uint8_t> attention_layers;  // [n_layer], or empty for none
  std::vector<std::vector<float>> attention;
  // Logit lens: the residual stream after each layer, [n_layer][n_embd].
  bool residuals = false;
  std::vector<float> residual;
};

// The prompt×prompt attention map of one sequence (ProbeOptions::attention_prompt), filled
// across its prompt chunks: every prompt token of the sequence points here through
// ForwardState::attention_map, and Attention() writes its rows straight into map.weights.
struct AttentionMapCapture {
  std::vector<int> layer_slot;  // [n_layer]: index in map.layers, -1 = not recorded
  std::vector<int> head_slot;   // [n_head]: index in map.heads, -1 = not recorded
  AttentionMap map;             // weights sized (and zeroed) before the first chunk
};

// Activation buffers for batches of up to max_tokens tokens, allocated once so that the
// token loop does not allocate.
struct ForwardState {
  ForwardState(const ModelConfig& c, int max_tokens);

  int max_tokens;
  std::vector<float> x;        // residual stream [T][n_embd]
  std::vector<float> xb;       // normalised input of a sub-block [T][n_embd]
  std::vector<float> q, k, v;  // [T][q_dim], [T][k_dim], [T][v_dim]
  std::vector<float> qkv;      // fused projection output (phi3) [T][q+k+v]
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
  // Probe hooks: empty (the default) or one entry per batch token, null for tokens nobody
  // probes. Set by the caller before ForwardBatch.
  std::vector<TokenCapture*> capture;
  // Likewise for prompt tokens whose sequence records the prompt map. For a token that has
  // both, the map gets its attention (the sequence copies the last row for its token event).
  std::vector<AttentionMapCapture*> attention_map;
  std::vector<blocks::AttentionCaptureRow> attn_rows;  // per token: where Attention() writes
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
  const std::vector<float>& rope_freqs;
};

// Multiplies one input x[n_tokens][n] by several matrices, converting it once per
// activation format (Q, K and V, or gate and up, usually share one).
struct Projection {
  const ops::WeightMatrix* w;
  float* out;
};
void MatMulShared(ThreadPool& pool, ops::Activations& act, const float* x, int64_t n_tokens,
                  int64_t n, std::initializer_list<Projection> projections);

// The attention-capture rows for this layer (one per token), or null when no token records
// it; sizes the per-token capture buffers.
const blocks::AttentionCaptureRow* AttentionCaptureRows(LayerContext& ctx);

void LlamaLayer(LayerContext& ctx);  // llama family and qwen2 (adds Q/K/V biases)
void Gemma3Layer(LayerContext& ctx);
void Phi3Layer(LayerContext& ctx);

// Evaluates a batch that may mix sequences: token t is appended to caches[t] at
// positions[t] and attends only to that cache. Every weight matrix is read once for the
// whole batch, which is what makes batching several sequences pay. Writes the logits of the
// rows listed in logit_rows, in that order, to logits[i][n_vocab].
// tokens.size() must be <= state.max_tokens.
void ForwardBatch(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
                  std::span<const int32_t> tokens, std::span<const int32_t> positions,
                  std::span<const int32_t> logit_rows, ForwardState& state, float* logits);

// Final norm and output projection of n_rows hidden states x[n_rows][n_embd] (after the last
// layer, or any layer for the logit lens) into logits[n_rows][n_vocab]. Uses state.last and
// state.act_in as scratch.
void ProjectToVocab(const Model& model, ThreadPool& pool, const float* x, int64_t n_rows,
                    ForwardState& state, float* logits);

// One sequence: evaluates `tokens` at `positions` (appending their keys/values to the
// cache) and writes logits: the last token's into logits[n_vocab], or every token's into
// logits[n_tokens][n_vocab] when all_logits.
void Forward(const Model& model, ThreadPool& pool, KvCache& cache, std::span<const int32_t> tokens,
             std::span<const int32_t> positions, ForwardState& state, float* logits,
             bool all_logits = false);

}  // namespace inferno
