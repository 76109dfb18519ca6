// Per-sequence memory of the forward pass. Attention layers: one row of keys and one of values
// per position, each in its cache type (KvCacheTypes): F16 by default, as llama.cpp's default
// (keeping F16 keeps our attention numerics aligned with it and halves the memory of F32), or
// Q8_0 / Q4_0 as llama.cpp's --cache-type-k/-v. A quantized row is quantized in blocks of 32
// along the whole row (every head size is a multiple of 32), as llama.cpp's set_rows does, so
// one head's slice of a row is whole blocks. Linear-attention layers (Gated DeltaNet,
// engine/model/delta_net.h) instead keep a fixed-size F32 recurrent state, as llama.cpp's
// recurrent memory does, whatever the cache types; only the attention layers get rows.
//
// Keys and values are addressed by position, so a sequence may overwrite any suffix. A
// recurrent state cannot go back: it holds everything up to the last token evaluated, and
// position 0 starts it afresh. Every user of the cache evaluates a sequence in order, from
// position 0 or from the end of a prefix the state holds (the prompt cache,
// engine/runtime/prompt_cache.h), which is what the state needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/model_config.h"
#include "engine/tensor/dtype.h"
#include "engine/util/status.h"

namespace inferno {

// The storage types of keys and values: DType::kF16, kQ8_0 or kQ4_0 each.
struct KvCacheTypes {
  DType k = DType::kF16;
  DType v = DType::kF16;
  bool operator==(const KvCacheTypes&) const = default;
};

// llama.cpp's names: "f16", "q8_0", "q4_0" (any case); anything else is an error naming them.
Result<DType> ParseKvCacheType(std::string_view name);
// "f16", "q8_0", "q4_0".
std::string KvCacheTypeName(DType t);
// Whether a model can keep its keys and values in these types: the quantized types need head
// sizes that are whole blocks of 32 (as llama.cpp requires).
Status CheckKvCacheTypes(const ModelConfig& config, const KvCacheTypes& types);
// Bytes of the attention rows (keys and values) a cache of n_ctx positions takes, plus the
// recurrent state: what KvCache::bytes() will report, before building one.
size_t KvCacheBytes(const ModelConfig& config, int n_ctx, const KvCacheTypes& types);

class KvCache {
 public:
  // `types` must pass CheckKvCacheTypes (front ends check it and report the error); a type
  // the shape cannot take is stored as F16 instead.
  KvCache(const ModelConfig& config, int n_ctx, const KvCacheTypes& types = {});

  int n_ctx() const { return n_ctx_; }
  int k_dim() const { return k_dim_; }
  int v_dim() const { return v_dim_; }
  const KvCacheTypes& types() const { return types_; }
  int n_head_kv() const { return n_head_kv_; }
  // Bytes of one position's key (value) of one KV head: the stride between positions.
  size_t k_head_bytes() const { return k_head_bytes_; }
  size_t v_head_bytes() const { return v_head_bytes_; }
  // llama.cpp (2026) rotates around a quantized cache (engine/ops/hadamard.h), and so do we to
  // compute what it computes: queries and keys in chunks of k_rotation() (the largest power of
  // two dividing the head size) when K is quantized, values before storing and the attention
  // output after in chunks of v_rotation() (64) when V is; 0 when not rotated (F16, or a head
  // size that is not a multiple of 64).
  int k_rotation() const { return k_rotation_; }
  int v_rotation() const { return v_rotation_; }
  size_t bytes() const { return k_.size() + v_.size() + state_.size() * sizeof(float); }
  // Positions 0..n-1 of every attention layer from `from` (a cache of the same model, size
  // and types), and every recurrent state, which must then hold exactly those n tokens: how a
  // prompt evaluated once starts several sequences (GenerateRequest::n).
  void CopyPrefix(const KvCache& from, int n);

  // Converts one position's key and value (F32, k_dim and v_dim floats) into the cache types.
  void Store(int layer, int pos, const float* key, const float* value);

  // One KV head's key (value) at a position, in the cache types (k_head_bytes / v_head_bytes
  // bytes). The layout is head-major: a head's positions follow each other, so attention over
  // a long context streams one contiguous run per head (prefetchers follow it, pages are used
  // whole) instead of picking a slice out of every position's row of all heads.
  uint8_t* k(int layer, int head, int pos) {
    return k_.data() + Row(layer, head, pos) * k_head_bytes_;
  }
  uint8_t* v(int layer, int head, int pos) {
    return v_.data() + Row(layer, head, pos) * v_head_bytes_;
  }
  const uint8_t* k(int layer, int head, int pos) const {
    return k_.data() + Row(layer, head, pos) * k_head_bytes_;
  }
  const uint8_t* v(int layer, int head, int pos) const {
    return v_.data() + Row(layer, head, pos) * v_head_bytes_;
  }

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
  size_t Row(int layer, int head, int pos) const {
    return (size_t(kv_layer_[layer]) * n_head_kv_ + head) * n_ctx_ + pos;
  }

  int n_ctx_;
  int n_head_kv_;
  int head_dim_;
  int head_dim_v_;
  int k_dim_;
  int v_dim_;
  KvCacheTypes types_;
  size_t k_head_bytes_;
  size_t v_head_bytes_;
  int k_rotation_ = 0;
  int v_rotation_ = 0;
  std::vector<int> kv_layer_;  // per layer: its index among the attention layers
  std::vector<uint8_t> k_;
  std::vector<uint8_t> v_;
  std::vector<RecurrentState> recurrent_;  // per layer; empty without recurrent layers
  std::vector<float> state_;               // what recurrent_ points into
};

}  // namespace inferno
