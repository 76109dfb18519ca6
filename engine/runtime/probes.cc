#include "engine/runtime/probes.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/runtime/sampler.h"

namespace inferno {

namespace {

// Attention probes read softmax weights, which a linear-attention layer does not have: naming
// one is refused with the layers that do have them. Naming none means all attention layers.
Status CheckAttentionLayers(const ProbeOptions& probes, const ModelConfig& config) {
  if (config.layer_is_recurrent.empty()) return Status::Ok();  // configs made by hand in tests
  std::string attention_layers;
  for (int l = 0; l < config.n_layer; ++l) {
    if (config.layer_is_recurrent[l]) continue;
    attention_layers += (attention_layers.empty() ? "" : ", ") + std::to_string(l);
  }
  for (int l : probes.attention_layers) {
    if (!config.layer_is_recurrent[l]) continue;
    return Status::InvalidArgument("attention layer " + std::to_string(l) +
                                   " is a linear-attention (Gated DeltaNet) layer without " +
                                   "attention weights; this model's attention layers are " +
                                   attention_layers);
  }
  return Status::Ok();
}

}  // namespace

Status CheckProbes(const ProbeOptions& probes, const ModelConfig& config) {
  for (int l : probes.attention_layers) {
    if (l < 0 || l >= config.n_layer) {
      return Status::InvalidArgument("attention layer " + std::to_string(l) +
                                     " out of range (the model has " +
                                     std::to_string(config.n_layer) + " layers, 0-based)");
    }
  }
  for (int h : probes.attention_heads) {
    if (h < 0 || h >= config.n_head) {
      return Status::InvalidArgument("attention head " + std::to_string(h) +
                                     " out of range (the model has " +
                                     std::to_string(config.n_head) + " heads, 0-based)");
    }
  }
  if (probes.attention || probes.attention_prompt) {
    INFERNO_RETURN_IF_ERROR(CheckAttentionLayers(probes, config));
  }
  if (probes.logit_lens &&
      (probes.logit_lens_top_k < 1 || probes.logit_lens_top_k > kMaxProbeTopK)) {
    return Status::InvalidArgument("logit lens top_k must be 1.." + std::to_string(kMaxProbeTopK));
  }
  return Status::Ok();
}

namespace {

// The chosen indices in [0, n) sorted and without repeats; all of them when none is chosen.
std::vector<int> Chosen(const std::vector<int>& chosen, int n) {
  std::vector<int> out = chosen;
  if (out.empty()) {
    for (int i = 0; i < n; ++i) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The chosen layers; when none is chosen, every layer that has attention weights (a hybrid
// model's linear-attention layers have none).
std::vector<int> ChosenLayers(const std::vector<int>& chosen, const ModelConfig& config) {
  std::vector<int> out = Chosen(chosen, config.n_layer);
  if (!chosen.empty() || config.layer_is_recurrent.empty()) return out;
  std::erase_if(out, [&](int l) { return bool(config.layer_is_recurrent[l]); });
  return out;
}

}  // namespace

Status CheckPromptAttention(const ProbeOptions& probes, const ModelConfig& config, int n_prompt) {
  if (!probes.attention_prompt) return Status::Ok();
  const int64_t heads = int64_t(ChosenLayers(probes.attention_layers, config).size()) *
                        int64_t(Chosen(probes.attention_heads, config.n_head).size());
  const int64_t size = heads * n_prompt * n_prompt;
  if (size <= kMaxPromptAttentionWeights) return Status::Ok();
  return Status::InvalidArgument(
      "the prompt attention map would hold " + std::to_string(heads) + " heads x " +
      std::to_string(n_prompt) + "^2 prompt tokens = " + std::to_string(size) +
      " weights, above the limit of " + std::to_string(kMaxPromptAttentionWeights) +
      "; choose fewer attention layers/heads or a shorter prompt");
}

void TokenProbe::Prepare(const ProbeOptions& probes, const ModelConfig& config) {
  n_layer_ = config.n_layer;
  n_head_ = config.n_head;
  attention_layers_.clear();
  attention_.clear();
  if (probes.attention) {
    attention_layers_.assign(config.n_layer, 0);
    for (int l : ChosenLayers(probes.attention_layers, config)) attention_layers_[l] = 1;
    attention_.resize(config.n_layer);
  }
  residuals_ = probes.logit_lens;
}

bool TokenProbe::Wants(CaptureName name, int layer) const {
  switch (name) {
    case CaptureName::kAttnWeights:
      return records_attention(layer);
    case CaptureName::kLayerOut:
      return residuals_;
    case CaptureName::kRouter:
      return false;
  }
  return false;
}

void TokenProbe::Tensor(CaptureName name, int layer, std::span<const float> view) {
  if (name != CaptureName::kLayerOut) return;
  residual_.resize(size_t(n_layer_) * view.size());
  std::copy(view.begin(), view.end(), residual_.begin() + size_t(layer) * view.size());
}

blocks::AttentionCaptureRow TokenProbe::AttentionRows(int layer, int position) {
  // Zeroed: the kernel writes only the positions the query sees (not those before a window).
  std::vector<float>& buf = attention_[layer];
  buf.assign(size_t(n_head_) * (position + 1), 0.0f);
  return {buf.data(), nullptr, position + 1};
}

void TokenProbe::CopyLastMapRow(const AttentionMap& map) {
  const int n = map.n_positions;
  if (attention_.size() < size_t(n_layer_)) attention_.resize(n_layer_);
  for (size_t li = 0; li < map.layers.size(); ++li) {
    std::vector<float>& buf = attention_[map.layers[li]];
    buf.assign(size_t(n_head_) * n, 0.0f);
    for (size_t hi = 0; hi < map.heads.size(); ++hi) {
      const std::span<const float> row = map.Row(li, hi, n - 1);
      std::copy(row.begin(), row.end(), buf.begin() + size_t(map.heads[hi]) * n);
    }
  }
}

void PromptMapProbe::Prepare(const ProbeOptions& probes, const ModelConfig& config, int n_prompt) {
  map_.n_positions = n_prompt;
  map_.layers = ChosenLayers(probes.attention_layers, config);
  map_.heads = Chosen(probes.attention_heads, config.n_head);
  layer_slot_.assign(config.n_layer, -1);
  for (size_t i = 0; i < map_.layers.size(); ++i) layer_slot_[map_.layers[i]] = int(i);
  head_slot_.assign(config.n_head, -1);
  for (size_t i = 0; i < map_.heads.size(); ++i) head_slot_[map_.heads[i]] = int(i);
  // Zeroed: Attention() writes only the positions a query sees (not those outside a window).
  map_.weights.assign(map_.layers.size() * map_.heads.size() * AttentionMap::Triangle(n_prompt),
                      0.0f);
}

bool PromptMapProbe::Wants(CaptureName name, int layer) const {
  return name == CaptureName::kAttnWeights && !layer_slot_.empty() && layer_slot_[layer] >= 0;
}

blocks::AttentionCaptureRow PromptMapProbe::AttentionRows(int layer, int position) {
  // Row `position` of each recorded head's lower triangle: heads lie Triangle(n) apart.
  const size_t tri = AttentionMap::Triangle(map_.n_positions);
  const size_t layer_base = size_t(layer_slot_[layer]) * map_.heads.size() * tri;
  return {map_.weights.data() + layer_base + AttentionMap::Triangle(position), head_slot_.data(),
          int64_t(tri)};
}

AttentionMap PromptMapProbe::Take() {
  AttentionMap map = std::move(map_);
  *this = PromptMapProbe();
  return map;
}

void RouterProbe::Router(int layer, int position, std::span<const int32_t> experts,
                         std::span<const float> weights) {
  rows_.push_back({position, layer, std::vector<int32_t>(experts.begin(), experts.end()),
                   std::vector<float>(weights.begin(), weights.end())});
}

std::vector<RouterRow> RouterProbe::Take(int keep_position) {
  std::vector<RouterRow> out = std::move(rows_);
  rows_.clear();
  // A batch pass records layer by layer, each over all its tokens: by position, then layer.
  std::stable_sort(out.begin(), out.end(), [](const RouterRow& a, const RouterRow& b) {
    return a.position != b.position ? a.position < b.position : a.layer < b.layer;
  });
  for (const RouterRow& r : out) {
    if (r.position == keep_position) rows_.push_back(r);
  }
  return out;
}

void FillRouter(RouterProbe& probe, Event* e) { e->router = probe.Take(); }

void FillAttention(const ProbeOptions& probes, const ModelConfig& config, const TokenProbe& probe,
                   int query_position, Event* e) {
  e->attention.clear();
  const size_t n_pos = size_t(query_position) + 1;
  for (int l = 0; l < config.n_layer; ++l) {
    if (!probe.records_attention(l)) continue;
    const std::vector<float>& buf = probe.attention(l);
    if (buf.size() != size_t(config.n_head) * n_pos) continue;  // not recorded this pass
    auto add = [&](int h) {
      const float* row = buf.data() + size_t(h) * n_pos;
      e->attention.push_back({l, h, std::vector<float>(row, row + n_pos)});
    };
    if (probes.attention_heads.empty()) {
      for (int h = 0; h < config.n_head; ++h) add(h);
    } else {
      for (int h : probes.attention_heads) add(h);
    }
  }
}

void ComputeLogitLens(const Model& model, ThreadPool& pool, ForwardState& state,
                      const TokenProbe& probe, std::vector<float>* lens_logits) {
  const ModelConfig& c = model.config();
  lens_logits->resize(size_t(c.n_layer) * c.n_vocab);
  ProjectToVocab(model, pool, probe.residual().data(), c.n_layer, state, lens_logits->data());
}

void FillLogitLens(const ProbeOptions& probes, const Model& model,
                   std::span<const float> lens_logits, Event* e) {
  const ModelConfig& c = model.config();
  const Tokenizer& tok = model.tokenizer();
  e->logit_lens.clear();
  std::vector<TokenProb> top;
  for (int l = 0; l < c.n_layer; ++l) {
    const std::span<const float> row = lens_logits.subspan(size_t(l) * c.n_vocab, c.n_vocab);
    LensLayer layer;
    layer.layer = l;
    const Distribution dist = Analyze(row);
    layer.entropy = dist.entropy;
    TopK(row, probes.logit_lens_top_k, dist.log_sum_exp, &top);
    for (const TokenProb& t : top)
      layer.top.push_back({t.id, tok.TokenToPiece(t.id), t.logit, t.prob});
    e->logit_lens.push_back(std::move(layer));
  }
}

PromptScore ScoreToken(std::span<const float> logits, int position, int32_t target) {
  const Distribution dist = Analyze(logits);
  PromptScore s;
  s.position = position;
  s.id = target;
  const float x = logits[target];
  s.logprob = x - dist.log_sum_exp;
  int rank = 0;
  for (int32_t j = 0; j < int32_t(logits.size()); ++j) {
    if (logits[j] > x || (logits[j] == x && j < target)) ++rank;
  }
  s.rank = rank;
  return s;
}

}  // namespace inferno
