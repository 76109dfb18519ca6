#include "engine/model/model_config.h"

#include <string>

namespace inferno {
namespace {

struct ArchName {
  Arch arch;
  const char* name;
};
constexpr ArchName kArchs[] = {{Arch::kLlama, "llama"},
                               {Arch::kQwen2, "qwen2"},
                               {Arch::kGemma3, "gemma3"},
                               {Arch::kPhi3, "phi3"}};

// Reads a required positive integer hyper-parameter that must fit comfortably in an int.
Status ReadDim(const gguf::File& f, const std::string& key, int* out, int64_t max = 1 << 24) {
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

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool IsMatrixType(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ8_0:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kMXFP4:
      return true;
    default:
      return false;
  }
}

class TensorChecker {
 public:
  TensorChecker(const gguf::File& f) : f_(f) {}

  // A matrix stored as GGUF shape [cols, rows] with a type our kernels support.
  Status Matrix(const std::string& name, int64_t cols, int64_t rows, bool required = true) {
    return Check(name, {cols, rows}, required, /*vector=*/false);
  }
  // A vector (norm weight or bias), F32/F16/BF16.
  Status Vector(const std::string& name, int64_t n, bool required = true) {
    return Check(name, {n}, required, /*vector=*/true);
  }

 private:
  Status Check(const std::string& name, std::vector<int64_t> shape, bool required, bool vector) {
    const gguf::TensorInfo* t = f_.FindTensor(name);
    if (t == nullptr) {
      if (!required) return Status::Ok();
      return Status::NotFound(f_.path() + ": tensor '" + name + "' is missing (expected shape " +
                              ShapeString(shape) + ")");
    }
    std::vector<int64_t> found = t->shape;
    // Trailing dimensions of 1 are equivalent to fewer dimensions.
    while (found.size() > shape.size() && found.back() == 1) found.pop_back();
    if (found != shape) {
      return Status::Corruption(f_.path() + ": tensor '" + name + "': shape " +
                                ShapeString(t->shape) + ", expected " + ShapeString(shape));
    }
    const bool ok_type =
        vector ? (t->type == DType::kF32 || t->type == DType::kF16 || t->type == DType::kBF16)
               : IsMatrixType(t->type);
    if (!ok_type) {
      return Status::Unsupported(f_.path() + ": tensor '" + name + "': type " +
                                 std::string(DTypeName(t->type)) + " is not supported here");
    }
    return Status::Ok();
  }
  const gguf::File& f_;
};

}  // namespace

std::string SupportedArchitectures() {
  std::string s;
  for (const ArchName& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

Result<ModelConfig> ReadModelConfig(const gguf::File& f) {
  ModelConfig c;
  Result<std::string> arch = f.GetString("general.architecture");
  if (!arch.ok()) return arch.status();
  c.arch_name = *arch;
  bool known = false;
  for (const ArchName& a : kArchs) {
    if (c.arch_name == a.name) {
      c.arch = a.arch;
      known = true;
    }
  }
  if (!known) {
    return Status::Unsupported(f.path() + ": architecture '" + c.arch_name +
                               "' is not supported (supported: " + SupportedArchitectures() + ")");
  }
  Result<std::string> name = f.GetStringOr("general.name", "");
  if (!name.ok()) return name.status();
  c.name = *name;

  const std::string p = c.arch_name + ".";
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "embedding_length", &c.n_embd));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "block_count", &c.n_layer, 4096));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "feed_forward_length", &c.n_ff));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "attention.head_count", &c.n_head, 4096));
  INFERNO_RETURN_IF_ERROR(
      ReadOptionalDim(f, p + "attention.head_count_kv", c.n_head, &c.n_head_kv));
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "context_length", 4096, &c.n_ctx_train));
  if (c.n_embd % c.n_head != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "embedding_length' " +
                              std::to_string(c.n_embd) + " is not divisible by head_count " +
                              std::to_string(c.n_head));
  }
  if (c.n_head % c.n_head_kv != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "attention.head_count' " +
                              std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
                              std::to_string(c.n_head_kv));
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
  Result<double> eps = f.GetFloatOr(p + "attention.layer_norm_rms_epsilon", 1e-5);
  if (!eps.ok()) return eps.status();
  c.norm_eps = static_cast<float>(*eps);
  Result<double> base = f.GetFloatOr(p + "rope.freq_base", 10000.0);
  if (!base.ok()) return base.status();
  c.rope_freq_base = static_cast<float>(*base);
  if (!(c.rope_freq_base > 0)) {
    return Status::Corruption(f.path() + ": metadata '" + p + "rope.freq_base' must be > 0");
  }
  Result<std::string> scaling = f.GetStringOr(p + "rope.scaling.type", "none");
  if (!scaling.ok()) return scaling.status();
  Result<double> factor = f.GetFloatOr(p + "rope.scaling.factor", 0.0);
  if (!factor.ok()) return factor.status();
  if (*scaling == "linear" && *factor > 0) {
    c.rope_freq_scale = static_cast<float>(1.0 / *factor);
  } else if (*scaling != "none" && *scaling != "linear") {
    return Status::Unsupported(f.path() + ": metadata '" + p + "rope.scaling.type': '" + *scaling +
                               "' is not supported (supported: none, linear)");
  }
  c.rope_neox = c.arch != Arch::kLlama;

  c.layer_is_sliding.assign(c.n_layer, false);
  if (c.arch == Arch::kGemma3) {
    INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "attention.sliding_window", &c.sliding_window));
    // Gemma 3 interleaves five local (sliding-window) layers with one global layer; local
    // layers use RoPE base 10000 without scaling.
    for (int l = 0; l < c.n_layer; ++l) c.layer_is_sliding[l] = (l % 6) < 5;
    c.rope_freq_base_sliding = 10000.0f;
  }

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
  return c;
}

Status ValidateModelTensors(const gguf::File& f, const ModelConfig& c) {
  TensorChecker t(f);
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t k_dim = int64_t{c.n_head_kv} * c.head_dim;
  const int64_t v_dim = int64_t{c.n_head_kv} * c.head_dim_v;
  const int64_t o_dim = int64_t{c.n_head} * c.head_dim_v;
  INFERNO_RETURN_IF_ERROR(t.Matrix("token_embd.weight", c.n_embd, c.n_vocab));
  INFERNO_RETURN_IF_ERROR(t.Vector("output_norm.weight", c.n_embd));
  INFERNO_RETURN_IF_ERROR(t.Matrix("output.weight", c.n_embd, c.n_vocab, /*required=*/false));
  if (c.arch == Arch::kLlama) {
    INFERNO_RETURN_IF_ERROR(t.Vector("rope_freqs.weight", c.rope_dim / 2, /*required=*/false));
  }
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    if (f.FindTensor(b + "ffn_gate_inp.weight") != nullptr) {
      return Status::Unsupported(f.path() + ": tensor '" + b +
                                 "ffn_gate_inp.weight': mixture-of-experts models are not "
                                 "supported yet");
    }
    INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_norm.weight", c.n_embd));
    INFERNO_RETURN_IF_ERROR(t.Vector(b + "ffn_norm.weight", c.n_embd));
    INFERNO_RETURN_IF_ERROR(t.Matrix(b + "attn_output.weight", o_dim, c.n_embd));
    INFERNO_RETURN_IF_ERROR(t.Matrix(b + "ffn_down.weight", c.n_ff, c.n_embd));
    if (c.arch == Arch::kPhi3) {
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "attn_qkv.weight", c.n_embd, q_dim + k_dim + v_dim));
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "ffn_up.weight", c.n_embd, 2 * int64_t{c.n_ff}));
    } else {
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "attn_q.weight", c.n_embd, q_dim));
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "attn_k.weight", c.n_embd, k_dim));
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "attn_v.weight", c.n_embd, v_dim));
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "ffn_gate.weight", c.n_embd, c.n_ff));
      INFERNO_RETURN_IF_ERROR(t.Matrix(b + "ffn_up.weight", c.n_embd, c.n_ff));
    }
    if (c.arch == Arch::kQwen2) {
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_q.bias", q_dim));
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_k.bias", k_dim));
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_v.bias", v_dim));
    }
    if (c.arch == Arch::kGemma3) {
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_q_norm.weight", c.head_dim));
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "attn_k_norm.weight", c.head_dim));
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "post_attention_norm.weight", c.n_embd));
      INFERNO_RETURN_IF_ERROR(t.Vector(b + "post_ffw_norm.weight", c.n_embd));
    }
  }
  return Status::Ok();
}

Status ValidateModel(const gguf::File& file) {
  Result<ModelConfig> c = ReadModelConfig(file);
  if (!c.ok()) return c.status();
  return ValidateModelTensors(file, *c);
}

}  // namespace inferno
