// Probes: what a request may ask the engine to report besides the sampled token. Top-k,
// probability, rank and entropy of every step are cheap and always computed from the
// logits; the rest is opt-in per request and costs nothing when off:
//   - full_logits: the whole logits vector per step;
//   - prompt_surprisal: teacher-forced log-probability and rank of every prompt token;
//   - attention: softmax weights of the query over all earlier positions, chosen layers/heads;
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
  bool logit_lens = false;
  int logit_lens_top_k = 5;  // tokens per layer, 1..100

  bool captures() const { return attention || logit_lens; }
};

inline constexpr int kMaxProbeTopK = 100;

// Layers/heads in range, top-k in range; an error names the bad value.
Status CheckProbes(const ProbeOptions& probes, const ModelConfig& config);

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
