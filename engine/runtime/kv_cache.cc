#include "engine/runtime/kv_cache.h"

#include <algorithm>
#include <cstdlib>

namespace inferno {

KvCache::KvCache(const ModelConfig& c, int n_ctx)
    : n_ctx_(n_ctx), k_dim_(c.n_head_kv * c.head_dim), v_dim_(c.n_head_kv * c.head_dim_v) {
  int n_attention = 0;
  kv_layer_.assign(c.n_layer, 0);
  for (int l = 0; l < c.n_layer; ++l) {
    const bool recurrent = !c.layer_is_recurrent.empty() && c.layer_is_recurrent[l];
    kv_layer_[l] = recurrent ? 0 : n_attention++;
  }
  k_.resize(size_t(n_attention) * n_ctx_ * k_dim_);
  v_.resize(size_t(n_attention) * n_ctx_ * v_dim_);
  if (n_attention == c.n_layer) return;
  const size_t conv = size_t(c.delta_net.conv_state_floats());
  const size_t ssm = size_t(c.delta_net.ssm_state_floats());
  state_.resize(size_t(c.n_layer - n_attention) * (conv + ssm));
  recurrent_.resize(c.n_layer);
  float* next = state_.data();
  for (int l = 0; l < c.n_layer; ++l) {
    if (!c.layer_is_recurrent[l]) continue;
    recurrent_[l].conv = next;
    recurrent_[l].ssm = next + conv;
    next += conv + ssm;
  }
}

void KvCache::CopyPrefix(const KvCache& from, int n) {
  n = std::clamp(n, 0, std::min(n_ctx_, from.n_ctx_));
  const int n_layer = int(kv_layer_.size());
  for (int layer = 0; layer < n_layer; ++layer) {
    if (!recurrent_.empty() && recurrent_[layer].conv != nullptr) continue;
    std::copy_n(from.k(layer, 0), size_t(n) * k_dim_, k(layer, 0));
    std::copy_n(from.v(layer, 0), size_t(n) * v_dim_, v(layer, 0));
  }
  if (state_.empty()) return;
  // A recurrent state cannot be cut back to a shorter prefix: the caller copies right after
  // the prompt, when every state has absorbed exactly its n tokens.
  for (int layer = 0; layer < n_layer; ++layer) {
    if (recurrent_[layer].conv != nullptr && from.recurrent_[layer].n_tokens != n) std::abort();
    recurrent_[layer].n_tokens = from.recurrent_[layer].n_tokens;
  }
  std::copy(from.state_.begin(), from.state_.end(), state_.begin());  // same layout
}

void KvCache::RestoreRecurrent(std::span<const float> saved, int n) {
  if (saved.size() != state_.size()) std::abort();  // a state of another model
  std::copy(saved.begin(), saved.end(), state_.begin());
  for (RecurrentState& r : recurrent_) {
    if (r.conv != nullptr) r.n_tokens = n;
  }
}

}  // namespace inferno
