#include "engine/runtime/probes.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/runtime/sampler.h"

namespace inferno {

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

}  // namespace

Status CheckPromptAttention(const ProbeOptions& probes, const ModelConfig& config, int n_prompt) {
  if (!probes.attention_prompt) return Status::Ok();
  const int64_t heads = int64_t(Chosen(probes.attention_layers, config.n_layer).size()) *
                        int64_t(Chosen(probes.attention_heads, config.n_head).size());
  const int64_t size = heads * n_prompt * n_prompt;
  if (size <= kMaxPromptAttentionWeights) return Status::Ok();
  return Status::InvalidArgument(
      "the prompt attention map would hold " + std::to_string(heads) + " heads x " +
      std::to_string(n_prompt) + "^2 prompt tokens = " + std::to_string(size) +
      " weights, above the limit of " + std::to_string(kMaxPromptAttentionWeights) +
      "; choose fewer attention layers/heads or a shorter prompt");
}

void PrepareAttentionMap(const ProbeOptions& probes, const ModelConfig& config, int n_prompt,
                         AttentionMapCapture* map) {
  map->map.n_positions = n_prompt;
  map->map.layers = Chosen(probes.attention_layers, config.n_layer);
  map->map.heads = Chosen(probes.attention_heads, config.n_head);
  map->layer_slot.assign(config.n_layer, -1);
  for (size_t i = 0; i < map->map.layers.size(); ++i) map->layer_slot[map->map.layers[i]] = int(i);
  map->head_slot.assign(config.n_head, -1);
  for (size_t i = 0; i < map->map.heads.size(); ++i) map->head_slot[map->map.heads[i]] = int(i);
  // Zeroed: Attention() writes only the positions a query sees (not those outside a window).
  map->map.weights.assign(
      map->map.layers.size() * map->map.heads.size() * AttentionMap::Triangle(n_prompt), 0.0f);
}

void CopyLastMapRow(const AttentionMapCapture& map, const ModelConfig& config,
                    TokenCapture* capture) {
  const int n = map.map.n_positions;
  if (capture->attention.size() < size_t(config.n_layer)) capture->attention.resize(config.n_layer);
  for (size_t li = 0; li < map.map.layers.size(); ++li) {
    std::vector<float>& buf = capture->attention[map.map.layers[li]];
    buf.assign(size_t(config.n_head) * n, 0.0f);
    for (size_t hi = 0; hi < map.map.heads.size(); ++hi) {
      const std::span<const float> row = map.map.Row(li, hi, n - 1);
      std::copy(row.begin(), row.end(), buf.begin() + size_t(map.map.heads[hi]) * n);
    }
  }
}

void PrepareCapture(const ProbeOptions& probes, const ModelConfig& config, TokenCapture* capture) {
  capture->attention_layers.clear();
  capture->attention.clear();
  if (probes.attention) {
    capture->attention_layers.assign(config.n_layer, probes.attention_layers.empty() ? 1 : 0);
    for (int l : probes.attention_layers) capture->attention_layers[l] = 1;
    capture->attention.resize(config.n_layer);
  }
  capture->residuals = probes.logit_lens;
}

void FillAttention(const ProbeOptions& probes, const ModelConfig& config,
                   const TokenCapture& capture, int query_position, Event* e) {
  e->attention.clear();
  const size_t n_pos = size_t(query_position) + 1;
  for (int l = 0; l < int(capture.attention_layers.size()); ++l) {
    if (!capture.attention_layers[l]) continue;
    const std::vector<float>& buf = capture.attention[l];
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
                      const TokenCapture& capture, std::vector<float>* lens_logits) {
  const ModelConfig& c = model.config();
  lens_logits->resize(size_t(c.n_layer) * c.n_vocab);
  ProjectToVocab(model, pool, capture.residual.data(), c.n_layer, state, lens_logits->data());
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
