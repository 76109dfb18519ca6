#include "engine/model/model_config.h"

#include <string>

#include "engine/model/tensor_binder.h"
#include "engine/model/weights.h"

namespace inferno {
namespace {

// Keys any family would have to implement to read correctly; a family that does lists them in
// its own_keys, and for the others a file that sets one is refused instead of computed without
// it.
constexpr DefaultKey kCommonDefaults[] = {
    {"attention.causal", 1},
    {"attn_logit_softcapping", 0},
    {"final_logit_softcapping", 0},
    {"logit_scale", 1},
    {"embedding_scale", 1},
    {"residual_scale", 1},
    {"attention.scale", 0},
    {"attention.clamp_kqv", 0},
    {"use_parallel_residual", 0},
    {"attention.temperature_scale", 0},
    {"attention.temperature_length", 0},
};

Status ReadCommonDims(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "embedding_length", &c.n_embd));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "block_count", &c.n_layer, 4096));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "attention.head_count", &c.n_head, 4096));
  INFERNO_RETURN_IF_ERROR(
      ReadOptionalDim(f, p + "attention.head_count_kv", c.n_head, &c.n_head_kv));
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "context_length", 4096, &c.n_ctx_train));
  if (c.n_head % c.n_head_kv != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "attention.head_count' " +
                              std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
                              std::to_string(c.n_head_kv));
  }
  const bool explicit_head = f.Find(p + "attention.key_length") != nullptr;
  if (!explicit_head && c.n_embd % c.n_head != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "embedding_length' " +
                              std::to_string(c.n_embd) + " is not divisible by head_count " +
                              std::to_string(c.n_head));
  }
  INFERNO_RETURN_IF_ERROR(
      ReadOptionalDim(f, p + "attention.key_length", c.n_embd / c.n_head, &c.head_dim));
  INFERNO_RETURN_IF_ERROR(
      ReadOptionalDim(f, p + "attention.value_length", c.head_dim, &c.head_dim_v));
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "rope.dimension_count", c.head_dim, &c.rope_dim));
  if (c.rope_dim > c.head_dim || c.rope_dim % 2 != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "rope.dimension_count' " +
                              std::to_string(c.rope_dim) + " must be even and <= head size " +
                              std::to_string(c.head_dim));
  }
  // Dense families need feed_forward_length; mixture-of-experts ones may only have the
  // per-expert width.
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "expert_count", 0, &c.n_expert));
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "expert_used_count", 0, &c.n_expert_used));
  if (c.n_expert == 0 || f.Find(p + "feed_forward_length") != nullptr) {
    INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "feed_forward_length", &c.n_ff));
  }
  return Status::Ok();
}

Status ReadCommonNumbers(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  Result<double> eps = f.GetFloatOr(p + "attention.layer_norm_rms_epsilon", 1e-5);
  if (!eps.ok()) return eps.status();
  c.norm_eps = static_cast<float>(*eps);
  Result<RopeScaling> rope =
      ReadRopeScaling(f, c.arch_name, c.n_ctx_train, c.rope_dim, c.family->rope_keys);
  if (!rope.ok()) return rope.status();
  c.rope = *rope;
  return Status::Ok();
}

// The common defaults minus the keys the family implements itself.
Status CheckCommonDefaults(const gguf::File& f, const ModelConfig& c) {
  for (const DefaultKey& k : kCommonDefaults) {
    bool own = false;
    for (std::string_view key : c.family->own_keys) own = own || key == k.suffix;
    if (!own) INFERNO_RETURN_IF_ERROR(CheckDefaults(f, c, std::span<const DefaultKey>(&k, 1)));
  }
  return Status::Ok();
}

Status ReadVocabSize(const gguf::File& f, ModelConfig& c) {
  const gguf::TensorInfo* embd = f.FindTensor("token_embd.weight");
  if (embd == nullptr) {
    return Status::NotFound(f.path() + ": tensor 'token_embd.weight' is missing");
  }
  if (embd->shape.size() < 2 || embd->shape[1] > (1 << 22)) {
    return Status::Corruption(f.path() +
                              ": tensor 'token_embd.weight': expected shape [n_embd, n_vocab]");
  }
  c.n_vocab = static_cast<int>(embd->shape[1]);
  c.tied_output = f.FindTensor("output.weight") == nullptr;
  return Status::Ok();
}

}  // namespace

Status ReadDim(const gguf::File& f, const std::string& key, int* out, int64_t max) {
  Result<uint64_t> v = f.GetUint(key);
  if (!v.ok()) return v.status();
  if (*v == 0 || *v > static_cast<uint64_t>(max)) {
    return Status::Corruption(f.path() + ": metadata '" + key + "': value " + std::to_string(*v) +
                              " out of range (expected 1.." + std::to_string(max) + ")");
  }
  *out = static_cast<int>(*v);
  return Status::Ok();
}

Status ReadOptionalDim(const gguf::File& f, const std::string& key, int def, int* out) {
  if (f.Find(key) == nullptr) {
    *out = def;
    return Status::Ok();
  }
  return ReadDim(f, key, out);
}

Status ReadSlidingPattern(const gguf::File& f, int default_period, ModelConfig& c) {
  int period = default_period;
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, c.arch_name + ".attention.sliding_window_pattern",
                                          default_period, &period));
  for (int l = 0; l < c.n_layer; ++l) c.layer_is_sliding[l] = (l % period) < period - 1;
  return Status::Ok();
}

Status CheckDefaults(const gguf::File& f, const ModelConfig& c, std::span<const DefaultKey> keys) {
  for (const DefaultKey& k : keys) {
    const std::string key = c.arch_name + "." + std::string(k.suffix);
    const gguf::Value* v = f.Find(key);
    if (v == nullptr) continue;
    double value = 0;
    if (v->type == gguf::ValueType::kBool || v->is_integer()) {
      value = v->type == gguf::ValueType::kBool ? double(v->u) : double(v->i);
    } else if (v->is_float()) {
      value = v->f;
    } else {
      return Status::Unsupported(f.path() + ": metadata '" + key +
                                 "' is not implemented for architecture '" + c.arch_name + "'");
    }
    if (value != k.value) {
      return Status::Unsupported(f.path() + ": metadata '" + key + "' = " + std::to_string(value) +
                                 " is not implemented for architecture '" + c.arch_name +
                                 "' (only " + std::to_string(k.value) + " is)");
    }
  }
  return Status::Ok();
}

std::string_view LayerKind(const ModelConfig& c, int l) {
  if (!c.layer_is_recurrent.empty() && c.layer_is_recurrent[l]) {
    return "linear attention (Gated DeltaNet)";
  }
  if (!c.layer_is_sliding.empty() && c.layer_is_sliding[l]) return "sliding-window attention";
  return "attention";
}

Result<ModelConfig> ReadModelConfig(const gguf::File& f) {
  ModelConfig c;
  Result<std::string> arch = f.GetString("general.architecture");
  if (!arch.ok()) return arch.status();
  c.arch_name = *arch;
  c.family = FindFamily(c.arch_name);
  if (c.family == nullptr) {
    return Status::Unsupported(f.path() + ": architecture '" + c.arch_name +
                               "' is not supported (supported: " + SupportedArchitectures() + ")");
  }
  Result<std::string> name = f.GetStringOr("general.name", "");
  if (!name.ok()) return name.status();
  c.name = *name;
  INFERNO_RETURN_IF_ERROR(ReadCommonDims(f, c));
  INFERNO_RETURN_IF_ERROR(ReadCommonNumbers(f, c));
  INFERNO_RETURN_IF_ERROR(ReadVocabSize(f, c));
  INFERNO_RETURN_IF_ERROR(CheckCommonDefaults(f, c));
  Result<Pooling> pooling = ReadPoolingType(f, c.arch_name);
  if (!pooling.ok()) return pooling.status();
  c.pooling = *pooling;
  c.layer_is_sliding.assign(c.n_layer, false);
  c.layer_is_recurrent.assign(c.n_layer, false);
  INFERNO_RETURN_IF_ERROR(c.family->read_config(f, c));
  return c;
}

Status ValidateModelTensors(const gguf::File& f, const ModelConfig& c) {
  Weights w;
  return DeclareTensors(f, c, w);
}

Status ValidateModel(const gguf::File& file) {
  Result<ModelConfig> c = ReadModelConfig(file);
  if (!c.ok()) return c.status();
  return ValidateModelTensors(file, *c);
}

}  // namespace inferno
