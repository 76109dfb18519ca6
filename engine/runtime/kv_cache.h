// Key/value cache: per layer, one F16 row of keys and one of values per position, as in
// llama.cpp's default cache type (keeping F16 keeps our attention numerics aligned with it
// and halves the memory of F32).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/model_config.h"

namespace inferno {

class KvCache {
 public:
  KvCache(const ModelConfig& config, int n_ctx);

  int n_ctx() const { return n_ctx_; }
  int k_dim() const { return k_dim_; }
  int v_dim() const { return v_dim_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }
  // Positions 0..n-1 of every layer from `from` (a cache of the same model and size): how a
  // prompt evaluated once starts several sequences (GenerateRequest::n).
  void CopyPrefix(const KvCache& from, int n);

  uint16_t* k(int layer, int pos) { return k_.data() + (size_t(layer) * n_ctx_ + pos) * k_dim_; }
  uint16_t* v(int layer, int pos) { return v_.data() + (size_t(layer) * n_ctx_ + pos) * v_dim_; }
  const uint16_t* k(int layer, int pos) const {
    return k_.data() + (size_t(layer) * n_ctx_ + pos) * k_dim_;
  }
  const uint16_t* v(int layer, int pos) const {
    return v_.data() + (size_t(layer) * n_ctx_ + pos) * v_dim_;
  }

 private:
  int n_layer_;
  int n_ctx_;
  int k_dim_;
  int v_dim_;
  std::vector<uint16_t> k_;
  std::vector<uint16_t> v_;
};

}  // namespace inferno
