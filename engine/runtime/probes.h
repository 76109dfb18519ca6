// Probes: what a request may ask the engine to report besides the sampled token. Top-k,
// probability, rank and entropy of every step are cheap and always computed from the
// logits; the rest is opt-in per request and costs nothing when off:
//   - full_logits: the whole logits vector per step;
//   - prompt_surprisal: teacher-forced log-probability and rank of every prompt token;
//   - attention: softmax weights of the query over all earlier positions, chosen layers/heads;
//   - attention_prompt: the same for every prompt position, from the batched prompt
//     evaluation (the prompt×prompt map), emitted once as kPromptAttention;
//   - logit_lens: the residual stream after each layer through the final norm and the output
//     matrix, top-k tokens per layer (TransformerLens' "logit lens").
// The forward pass records raw data into a TokenCapture (engine/model/forward.h); the
// functions here turn it into Event fields.
#pragma once

#include <span>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/events.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/status.h"

namespace inferno {

struct ProbeOptions {
  bool full_logits = false;
  bool prompt_surprisal = false;
  bool attention = false;
  std::vector<int> attention_layers;  // empty: every layer
  std::vector<int> attention_heads;   // empty: every head
  // The prompt×prompt map of attention_layers × attention_heads (independent of `attention`,
  // which is the per-token probe). Bounded by kMaxPromptAttentionWeights.
  bool attention_prompt = false;
  bool logit_lens = false;
  int logit_lens_top_k = 5;  // tokens per layer, 1..100

  bool captures() const { return attention || logit_lens; }
};

inline constexpr int kMaxProbeTopK = 100;
// The prompt map may hold at most this many weights counted as recorded heads (layers ×
// heads) × n_prompt² (16 MiB of float32; about half of it is sent, the lower triangle).
inline constexpr int64_t kMaxPromptAttentionWeights = int64_t{1} << 22;

// Layers/heads in range, top-k in range; an error names the bad value.
Status CheckProbes(const ProbeOptions& probes, const ModelConfig& config);

// The prompt map's size limit for a prompt of n_prompt tokens (a no-op unless
// attention_prompt); the error says how big it would be and what to choose instead.
Status CheckPromptAttention(const ProbeOptions& probes, const ModelConfig& config, int n_prompt);

// Sets up `map` for a prompt of n_prompt tokens: the recorded layers and heads (sorted, without
// repeats) and the zeroed weights. Call after CheckPromptAttention.
void PrepareAttentionMap(const ProbeOptions& probes, const ModelConfig& config, int n_prompt,
                         AttentionMapCapture* map);

// Copies the map's last row (the query at the last prompt position) into `capture` as the
// per-token probe would have recorded it, for the first token event's attention.
void CopyLastMapRow(const AttentionMapCapture& map, const ModelConfig& config,
                    TokenCapture* capture);

// Sets up `capture` for what the options record (nothing when !probes.captures()).
void PrepareCapture(const ProbeOptions& probes, const ModelConfig& config, TokenCapture* capture);

// Copies the selected heads' weights of query position `query_position` out of `capture`.
void FillAttention(const ProbeOptions& probes, const ModelConfig& config,
                   const TokenCapture& capture, int query_position, Event* e);

// Projects the captured residual streams to logits: lens_logits becomes [n_layer][n_vocab].
void ComputeLogitLens(const Model& model, ThreadPool& pool, ForwardState& state,
                      const TokenCapture& capture, std::vector<float>* lens_logits);

// Top-k tokens and entropy of each layer's lens logits.
void FillLogitLens(const ProbeOptions& probes, const Model& model,
                   std::span<const float> lens_logits, Event* e);

// Teacher-forced score of `target` under the distribution `logits` (from the position
// before it).
PromptScore ScoreToken(std::span<const float> logits, int position, int32_t target);

}  // namespace inferno
