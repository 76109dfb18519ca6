// Probes: what a request may ask the engine to report besides the sampled token. Top-k,
// probability, rank and entropy of every step are cheap and always computed from the
// logits; the rest is opt-in per request and costs nothing when off:
//   - full_logits: the whole logits vector per step;
//   - prompt_surprisal: teacher-forced log-probability and rank of every prompt token;
//   - attention: softmax weights of the query over all earlier positions, chosen layers/heads;
//   - attention_prompt: the same for every prompt position, from the batched prompt
//     evaluation (the prompt×prompt map), emitted once as kPromptAttention;
//   - logit_lens: the residual stream after each layer through the final norm and the output
//     matrix, top-k tokens per layer (TransformerLens' "logit lens");
//   - router: in MoE models, the experts each layer's router chose for each token and their
//     weights: every prompt token's once as kPromptRouter, then each generated token's query.
// The forward pass hands raw tensors to the capture hooks here (engine/model/capture_hook.h):
// a TokenProbe for the token whose logits are sampled, a PromptMapProbe for the prompt map.
// The functions below turn what they recorded into Event fields.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/capture_hook.h"
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
  bool router = false;       // MoE expert choices (nothing recorded for dense models)

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

// Records the per-token probes of one token (attention of the chosen layers, residual
// streams for the logit lens) as the capture hook of the batch row that evaluates it. Owns its
// buffers; reused from token to token.
class TokenProbe final : public CaptureHook {
 public:
  // Sets up what `probes` record (nothing when !probes.captures()).
  void Prepare(const ProbeOptions& probes, const ModelConfig& config);

  bool Wants(CaptureName name, int layer) const override;
  // l_out: kept as row `layer` of residual().
  void Tensor(CaptureName name, int layer, std::span<const float> view) override;
  // attn_weights: a zeroed [n_head][position + 1] buffer for the layer.
  blocks::AttentionCaptureRow AttentionRows(int layer, int position) override;

  // Takes the map's last row (the query at the last prompt position) as this token's attention,
  // as AttentionRows() would have recorded it, for the first token event.
  void CopyLastMapRow(const AttentionMap& map);

  bool records_attention(int layer) const {
    return !attention_layers_.empty() && attention_layers_[layer] != 0;
  }
  // Layer `layer`'s weights [n_head][n_pos] of the last pass that recorded them.
  const std::vector<float>& attention(int layer) const { return attention_[layer]; }
  // [n_layer][n_embd] once a pass recorded l_out, else empty.
  const std::vector<float>& residual() const { return residual_; }

 private:
  int n_layer_ = 0;
  int n_head_ = 0;
  std::vector<uint8_t> attention_layers_;  // [n_layer], or empty for none
  std::vector<std::vector<float>> attention_;
  bool residuals_ = false;
  std::vector<float> residual_;
};

// Records the prompt×prompt attention map (ProbeOptions::attention_prompt) across the prompt
// chunks of one sequence: the capture hook of every prompt token, writing rows straight into
// the map's lower triangles.
class PromptMapProbe final : public CaptureHook {
 public:
  // Sets up the recorded layers and heads (sorted, without repeats) and the zeroed weights of a
  // prompt of n_prompt tokens. Call after CheckPromptAttention.
  void Prepare(const ProbeOptions& probes, const ModelConfig& config, int n_prompt);

  bool Wants(CaptureName name, int layer) const override;
  void Tensor(CaptureName, int, std::span<const float>) override {}  // wants none
  // attn_weights: row `position` of each recorded head's triangle in the layer.
  blocks::AttentionCaptureRow AttentionRows(int layer, int position) override;

  const AttentionMap& map() const { return map_; }
  // Hands the map over and forgets it.
  AttentionMap Take();

 private:
  std::vector<int> layer_slot_;  // [n_layer]: index in map_.layers, -1 = not recorded
  std::vector<int> head_slot_;   // [n_head]: index in map_.heads, -1 = not recorded
  AttentionMap map_;
};

// Records the router probe (ProbeOptions::router) of every token of one sequence, prompt and
// generated: the capture hook of all its batch rows when the probe is on.
class RouterProbe final : public CaptureHook {
 public:
  void Prepare(const ProbeOptions& probes) {
    on_ = probes.router;
    rows_.clear();
  }

  bool Wants(CaptureName name, int) const override { return on_ && name == CaptureName::kRouter; }
  void Tensor(CaptureName, int, std::span<const float>) override {}  // wants none
  blocks::AttentionCaptureRow AttentionRows(int, int) override { return {}; }
  void Router(int layer, int position, std::span<const int32_t> experts,
              std::span<const float> weights) override;

  // The rows recorded since the last Take, in the order the passes made them (by position,
  // then layer). Keeps those of `keep_position` (the last prompt token's, whose logits give the
  // first generated token) for the next Take.
  std::vector<RouterRow> Take(int keep_position = -1);

 private:
  bool on_ = false;
  std::vector<RouterRow> rows_;
};

// Gives each point to `first` when it wants it, else to `second`: the last prompt token when
// the prompt map and the per-token probes are both on (its attention goes to the map, which
// the sequence copies into the token probe afterwards).
class FirstWantingHook final : public CaptureHook {
 public:
  FirstWantingHook(CaptureHook* first, CaptureHook* second) : first_(first), second_(second) {}

  bool Wants(CaptureName name, int layer) const override {
    return first_->Wants(name, layer) || second_->Wants(name, layer);
  }
  void Tensor(CaptureName name, int layer, std::span<const float> view) override {
    Pick(name, layer)->Tensor(name, layer, view);
  }
  blocks::AttentionCaptureRow AttentionRows(int layer, int position) override {
    return Pick(CaptureName::kAttnWeights, layer)->AttentionRows(layer, position);
  }
  void Router(int layer, int position, std::span<const int32_t> experts,
              std::span<const float> weights) override {
    Pick(CaptureName::kRouter, layer)->Router(layer, position, experts, weights);
  }

 private:
  CaptureHook* Pick(CaptureName name, int layer) const {
    return first_->Wants(name, layer) ? first_ : second_;
  }
  CaptureHook* first_;
  CaptureHook* second_;
};

// The query token's rows out of `probe` (all it recorded since the last Take) into e->router.
void FillRouter(RouterProbe& probe, Event* e);

// Copies the selected heads' weights of query position `query_position` out of `probe`.
void FillAttention(const ProbeOptions& probes, const ModelConfig& config, const TokenProbe& probe,
                   int query_position, Event* e);

// Projects the captured residual streams to logits: lens_logits becomes [n_layer][n_vocab].
void ComputeLogitLens(const Model& model, ThreadPool& pool, ForwardState& state,
                      const TokenProbe& probe, std::vector<float>* lens_logits);

// Top-k tokens and entropy of each layer's lens logits.
void FillLogitLens(const ProbeOptions& probes, const Model& model,
                   std::span<const float> lens_logits, Event* e);

// Teacher-forced score of `target` under the distribution `logits` (from the position
// before it).
PromptScore ScoreToken(std::span<const float> logits, int position, int32_t target);

}  // namespace inferno
