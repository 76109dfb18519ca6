// Per-sequence memory of the forward pass. Attention layers: one F16 row of keys and one of
// values per position, as in llama.cpp's default cache type (keeping F16 keeps our attention
// numerics aligned with it and halves the memory of F32). Linear-attention layers (Gated
// DeltaNet, engine/model/delta_net.h) instead keep a fixed-size F32 recurrent state, as
// llama.cpp's recurrent memory does; only the attention layers get key/value rows.
//
// Keys and values are addressed by position, so a sequence may overwrite any suffix. A
// recurrent state cannot go back: it holds everything up to the last token evaluated, and
// position 0 starts it afresh. Every user of the cache evaluates a sequence in order, from
// position 0 or from the end of a prefix the state holds (the prompt cache,
// engine/runtime/prompt_cache.h), which is what the state needs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/model_config.h"

namespace inferno {

class KvCache {
 public:
  KvCache(const ModelConfig& config, int n_ctx);

  int n_ctx() const { return n_ctx_; }
  int k_dim() const { return k_dim_; }
  int v_dim() const { return v_dim_; }
  size_t bytes() const {
    return (k_.size() + v_.size()) * sizeof(uint16_t) + state_.size() * sizeof(float);
  }
  // Positions 0..n-1 of every attention layer from `from` (a cache of the same model and
  // size), and every recurrent state, which must then hold exactly those n tokens: how a
  // prompt evaluated once starts several sequences (GenerateRequest::n).
  void CopyPrefix(const KvCache& from, int n);

  uint16_t* k(int layer, int pos) { return k_.data() + Row(layer, pos) * k_dim_; }
  uint16_t* v(int layer, int pos) { return v_.data() + Row(layer, pos) * v_dim_; }
  const uint16_t* k(int layer, int pos) const { return k_.data() + Row(layer, pos) * k_dim_; }
  const uint16_t* v(int layer, int pos) const { return v_.data() + Row(layer, pos) * v_dim_; }

  // Every recurrent layer's state, to come back to with RestoreRecurrent(), which marks each
  // as having absorbed n tokens (the prompt cache's checkpoint after a prompt). Empty without
  // recurrent layers.
  std::vector<float> SaveRecurrent() const { return state_; }
  void RestoreRecurrent(std::span<const float> saved, int n);

  // The state of one linear-attention layer.
  struct RecurrentState {
    float* conv = nullptr;  // DeltaNetDims::conv_state_floats()
    float* ssm = nullptr;   // DeltaNetDims::ssm_state_floats()
    int n_tokens = 0;       // tokens absorbed since position 0
  };
  // Null for an attention layer.
  RecurrentState* recurrent(int layer) {
    return recurrent_.empty() || recurrent_[layer].conv == nullptr ? nullptr : &recurrent_[layer];
  }

 private:
  size_t Row(int layer, int pos) const { return size_t(kv_layer_[layer]) * n_ctx_ + pos; }

  int n_ctx_;
  int k_dim_;
  int v_dim_;
  std::vector<int> kv_layer_;  // per layer: its index among the attention layers
  std::vector<uint16_t> k_;
  std::vector<uint16_t> v_;
  std::vector<RecurrentState> recurrent_;  // per layer; empty without recurrent layers
  std::vector<float> state_;               // what recurrent_ points into
};

}  // namespace inferno
