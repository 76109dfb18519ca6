#include "engine/runtime/kv_cache.h"

namespace inferno {

KvCache::KvCache(const ModelConfig& c, int n_ctx)
    : n_ctx_(n_ctx), k_dim_(c.n_head_kv * c.head_dim), v_dim_(c.n_head_kv * c.head_dim_v) {
  k_.resize(size_t(c.n_layer) * n_ctx_ * k_dim_);
  v_.resize(size_t(c.n_layer) * n_ctx_ * v_dim_);
}

}  // namespace inferno
