#include "engine/runtime/kv_cache.h"

#include <algorithm>

namespace inferno {

KvCache::KvCache(const ModelConfig& c, int n_ctx)
    : n_layer_(c.n_layer),
      n_ctx_(n_ctx),
      k_dim_(c.n_head_kv * c.head_dim),
      v_dim_(c.n_head_kv * c.head_dim_v) {
  k_.resize(size_t(c.n_layer) * n_ctx_ * k_dim_);
  v_.resize(size_t(c.n_layer) * n_ctx_ * v_dim_);
}

void KvCache::CopyPrefix(const KvCache& from, int n) {
  n = std::clamp(n, 0, std::min(n_ctx_, from.n_ctx_));
  for (int layer = 0; layer < n_layer_; ++layer) {
    std::copy_n(from.k(layer, 0), size_t(n) * k_dim_, k(layer, 0));
    std::copy_n(from.v(layer, 0), size_t(n) * v_dim_, v(layer, 0));
  }
}

}  // namespace inferno
