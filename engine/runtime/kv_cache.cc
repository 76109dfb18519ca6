#include "engine/runtime/kv_cache.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "engine/ops/f16_row.h"
#include "engine/ops/quantize_activations.h"
#include "engine/tensor/quantize.h"

namespace inferno {

namespace {

constexpr DType kKvTypes[] = {DType::kF16, DType::kQ8_0, DType::kQ4_0};

int AttentionLayers(const ModelConfig& c) {
  int n = 0;
  for (int l = 0; l < c.n_layer; ++l) n += c.layer_is_recurrent.empty() || !c.layer_is_recurrent[l];
  return n;
}

size_t StateFloats(const ModelConfig& c) {
  const int n_recurrent = c.n_layer - AttentionLayers(c);
  if (n_recurrent == 0) return 0;
  return size_t(n_recurrent) *
         size_t(c.delta_net.conv_state_floats() + c.delta_net.ssm_state_floats());
}

// The type a row of `head_dim`-sized heads is stored in: `t`, or F16 when the heads are not
// whole blocks of t (CheckKvCacheTypes reports that to the front ends).
DType Storable(DType t, int head_dim) {
  return head_dim % GetDTypeInfo(t).block_size == 0 ? t : DType::kF16;
}

// Writes n floats as type t: the F16 conversion and the Q8_0 quantizer are the SIMD kernels
// (bit for bit what llama.cpp's set_rows writes), Q4_0 its reference rounding.
void WriteRow(DType t, const float* x, uint8_t* dst, int64_t n) {
  if (t == DType::kF16) {
    static const ops::F32ToF16RowFn to_f16 = ops::GetF32ToF16Row();
    return to_f16(x, reinterpret_cast<uint16_t*>(dst), n);
  }
  if (t == DType::kQ8_0) {
    static const ops::QuantizeActivationsFn q8 = ops::GetQuantizeActivations(DType::kQ8_0);
    if (q8 != nullptr) return q8(x, dst, n);
  }
  QuantizeRow(t, x, dst, n);
}

// The rotation chunk of keys (largest power of two dividing the head size) or values (64),
// when the type is quantized and the head size a multiple of 64; else 0.
int Rotation(DType t, int head_dim, bool largest) {
  if (!GetDTypeInfo(t).quantized || head_dim % 64 != 0) return 0;
  int n = 64;
  while (largest && head_dim % (2 * n) == 0) n *= 2;
  return n;
}

}  // namespace

Result<DType> ParseKvCacheType(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  for (DType t : kKvTypes) {
    if (KvCacheTypeName(t) == lower) return t;
  }
  return Status::InvalidArgument("unknown KV cache type '" + std::string(name.substr(0, 40)) +
                                 "': use f16, q8_0 or q4_0");
}

std::string KvCacheTypeName(DType t) {
  std::string name(DTypeName(t));
  for (char& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return name;
}

Status CheckKvCacheTypes(const ModelConfig& c, const KvCacheTypes& types) {
  const struct {
    DType type;
    int head_dim;
    const char* what;
  } parts[] = {{types.k, c.head_dim, "K"}, {types.v, c.head_dim_v, "V"}};
  for (const auto& p : parts) {
    if (std::find(std::begin(kKvTypes), std::end(kKvTypes), p.type) == std::end(kKvTypes)) {
      return Status::InvalidArgument(std::string(p.what) + " cache type " +
                                     std::string(DTypeName(p.type)) +
                                     " is not supported: use f16, q8_0 or q4_0");
    }
    if (AttentionLayers(c) > 0 && Storable(p.type, p.head_dim) != p.type) {
      return Status::InvalidArgument(
          std::string(p.what) + " cache type " + KvCacheTypeName(p.type) +
          " needs a head size that is a multiple of 32; this model's is " +
          std::to_string(p.head_dim));
    }
  }
  return Status::Ok();
}

size_t KvCacheBytes(const ModelConfig& c, int n_ctx, const KvCacheTypes& types) {
  const size_t rows = size_t(AttentionLayers(c)) * size_t(n_ctx);
  const size_t k = RowBytes(Storable(types.k, c.head_dim), int64_t(c.n_head_kv) * c.head_dim);
  const size_t v = RowBytes(Storable(types.v, c.head_dim_v), int64_t(c.n_head_kv) * c.head_dim_v);
  return rows * (k + v) + StateFloats(c) * sizeof(float);
}

KvCache::KvCache(const ModelConfig& c, int n_ctx, const KvCacheTypes& types)
    : n_ctx_(n_ctx),
      n_head_kv_(c.n_head_kv),
      head_dim_(c.head_dim),
      head_dim_v_(c.head_dim_v),
      k_dim_(c.n_head_kv * c.head_dim),
      v_dim_(c.n_head_kv * c.head_dim_v),
      types_{Storable(types.k, c.head_dim), Storable(types.v, c.head_dim_v)},
      k_head_bytes_(RowBytes(types_.k, c.head_dim)),
      v_head_bytes_(RowBytes(types_.v, c.head_dim_v)),
      k_rotation_(Rotation(types_.k, c.head_dim, /*largest=*/true)),
      v_rotation_(Rotation(types_.v, c.head_dim_v, /*largest=*/false)) {
  int n_attention = 0;
  kv_layer_.assign(c.n_layer, 0);
  for (int l = 0; l < c.n_layer; ++l) {
    const bool recurrent = !c.layer_is_recurrent.empty() && c.layer_is_recurrent[l];
    kv_layer_[l] = recurrent ? 0 : n_attention++;
  }
  const size_t heads = size_t(n_attention) * size_t(n_head_kv_) * size_t(n_ctx_);
  k_.resize(heads * k_head_bytes_);
  v_.resize(heads * v_head_bytes_);
  if (n_attention == c.n_layer) return;
  const size_t conv = size_t(c.delta_net.conv_state_floats());
  const size_t ssm = size_t(c.delta_net.ssm_state_floats());
  state_.resize(StateFloats(c));
  recurrent_.resize(c.n_layer);
  float* next = state_.data();
  for (int l = 0; l < c.n_layer; ++l) {
    if (!c.layer_is_recurrent[l]) continue;
    recurrent_[l].conv = next;
    recurrent_[l].ssm = next + conv;
    next += conv + ssm;
  }
}

void KvCache::Store(int layer, int pos, const float* key, const float* value) {
  // Head by head: quantized blocks never span two heads (CheckKvCacheTypes), so this is the
  // same as converting the whole row.
  for (int h = 0; h < n_head_kv_; ++h) {
    WriteRow(types_.k, key + int64_t(h) * head_dim_, k(layer, h, pos), head_dim_);
    WriteRow(types_.v, value + int64_t(h) * head_dim_v_, v(layer, h, pos), head_dim_v_);
  }
}

void KvCache::CopyPrefix(const KvCache& from, int n) {
  if (from.types_ != types_) std::abort();  // rows of another layout: a caller's bug
  n = std::clamp(n, 0, std::min(n_ctx_, from.n_ctx_));
  const int n_layer = int(kv_layer_.size());
  for (int layer = 0; layer < n_layer; ++layer) {
    if (!recurrent_.empty() && recurrent_[layer].conv != nullptr) continue;
    for (int h = 0; h < n_head_kv_; ++h) {
      std::copy_n(from.k(layer, h, 0), size_t(n) * k_head_bytes_, k(layer, h, 0));
      std::copy_n(from.v(layer, h, 0), size_t(n) * v_head_bytes_, v(layer, h, 0));
    }
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
