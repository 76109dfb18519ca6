#include "engine/model/rope_config.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/model/blocks.h"

namespace inferno {
namespace {

struct TypeName {
  RopeScalingType type;
  const char* name;
};
constexpr TypeName kTypes[] = {{RopeScalingType::kNone, "none"},
                               {RopeScalingType::kLinear, "linear"},
                               {RopeScalingType::kYarn, "yarn"},
                               {RopeScalingType::kLongRope, "longrope"}};

constexpr const char* kFreqs = "rope_freqs.weight";
constexpr const char* kLong = "rope_factors_long.weight";
constexpr const char* kShort = "rope_factors_short.weight";

// Metadata access under "<arch>.", with errors that name the file and the key.
class RopeKeys {
 public:
  RopeKeys(const gguf::File& f, std::string_view arch) : f_(f), prefix_(std::string(arch) + ".") {}

  std::string Key(std::string_view k) const { return prefix_ + std::string(k); }
  bool Has(std::string_view k) const { return f_.Find(Key(k)) != nullptr; }

  // An optional float that must be finite and, when `positive`, > 0 (else >= 0).
  Status Float(std::string_view k, float def, bool positive, float* out) const {
    Result<double> v = f_.GetFloatOr(Key(k), def);
    if (!v.ok()) return v.status();
    const bool ok = std::isfinite(*v) && (positive ? *v > 0 : *v >= 0);
    if (!ok) {
      return Error(k, "value " + std::to_string(*v) + " out of range (expected " +
                          (positive ? "> 0" : ">= 0") + ")");
    }
    *out = static_cast<float>(*v);
    return Status::Ok();
  }

  // A key this family does not use: accepted only at the value llama.cpp would assume.
  Status OnlyDefault(std::string_view k, double def, std::string_view why) const {
    if (!Has(k)) return Status::Ok();
    Result<double> v = f_.GetFloat(Key(k));
    if (!v.ok()) return v.status();
    if (static_cast<float>(*v) == static_cast<float>(def)) return Status::Ok();
    return Status::Unsupported(f_.path() + ": metadata '" + Key(k) + "': value " +
                               std::to_string(*v) + " is not supported (" + std::string(why) +
                               "; only " + std::to_string(def) + " is)");
  }

  Status Error(std::string_view k, const std::string& what) const {
    return Status::Corruption(f_.path() + ": metadata '" + Key(k) + "': " + what);
  }
  const gguf::File& file() const { return f_; }

 private:
  const gguf::File& f_;
  std::string prefix_;
};

Status ReadType(const RopeKeys& r, RopeScaling* s) {
  // llama.cpp's default when the key is absent is "linear": a factor without a type stretches.
  Result<std::string> name = r.file().GetStringOr(r.Key("rope.scaling.type"), "linear");
  if (!name.ok()) return name.status();
  for (const TypeName& t : kTypes) {
    if (*name == t.name) {
      s->type = t.type;
      return Status::Ok();
    }
  }
  return Status::Unsupported(r.file().path() + ": metadata '" + r.Key("rope.scaling.type") +
                             "': '" + *name +
                             "' is not supported (supported: none, linear, yarn, longrope)");
}

// rope.scaling.factor, or the older rope.scale_linear; positions are divided by it.
Status ReadFactor(const RopeKeys& r, RopeScaling* s) {
  const char* key = r.Has("rope.scaling.factor") ? "rope.scaling.factor" : "rope.scale_linear";
  INFERNO_RETURN_IF_ERROR(r.Float(key, 0.0f, /*positive=*/false, &s->factor));
  // "none" never scales, whatever the factor says (llama_context does the same).
  const bool scales = s->type != RopeScalingType::kNone && s->factor != 0.0f;
  s->freq_scale = scales ? 1.0f / s->factor : 1.0f;
  return Status::Ok();
}

Status ReadOriginalContext(const RopeKeys& r, int n_ctx_train, RopeScaling* s) {
  const std::string key = r.Key("rope.scaling.original_context_length");
  Result<uint64_t> v = r.file().GetUintOr(key, 0);
  if (!v.ok()) return v.status();
  if (*v > (uint64_t{1} << 24)) {
    return r.Error("rope.scaling.original_context_length",
                   "value " + std::to_string(*v) + " out of range (expected <= 16777216)");
  }
  // 0 means unset to llama.cpp too: it falls back to the training context.
  s->n_ctx_orig = *v != 0 ? static_cast<int>(*v) : n_ctx_train;
  return Status::Ok();
}

// The YaRN keys llama.cpp reads only for some families; the others must hold its defaults.
Status ReadYarnKeys(const RopeKeys& r, const RopeFamilyKeys& keys, RopeScaling* s) {
  constexpr const char* kIgnored = "llama.cpp ignores this key for this architecture";
  if (keys.yarn_beta) {
    INFERNO_RETURN_IF_ERROR(r.Float("rope.scaling.yarn_beta_fast", 32.0f, true, &s->beta_fast));
    INFERNO_RETURN_IF_ERROR(r.Float("rope.scaling.yarn_beta_slow", 1.0f, true, &s->beta_slow));
  } else {
    INFERNO_RETURN_IF_ERROR(r.OnlyDefault("rope.scaling.yarn_beta_fast", 32.0, kIgnored));
    INFERNO_RETURN_IF_ERROR(r.OnlyDefault("rope.scaling.yarn_beta_slow", 1.0, kIgnored));
  }
  if (keys.yarn_log_multiplier) {
    INFERNO_RETURN_IF_ERROR(
        r.Float("rope.scaling.yarn_log_multiplier", 0.0f, false, &s->yarn_log_multiplier));
  } else {
    INFERNO_RETURN_IF_ERROR(r.OnlyDefault("rope.scaling.yarn_log_multiplier", 0.0, kIgnored));
  }
  // Only grok reads these two in llama.cpp; -1 is its "derive from the type".
  INFERNO_RETURN_IF_ERROR(r.OnlyDefault("rope.scaling.yarn_ext_factor", -1.0, kIgnored));
  INFERNO_RETURN_IF_ERROR(r.OnlyDefault("rope.scaling.yarn_attn_factor", 1.0, kIgnored));
  return Status::Ok();
}

Status ReadOtherKeys(const RopeKeys& r, const RopeFamilyKeys& keys, RopeScaling* s) {
  INFERNO_RETURN_IF_ERROR(r.Float("rope.freq_base", 10000.0f, /*positive=*/true, &s->freq_base));
  if (keys.freq_base_swa) {
    INFERNO_RETURN_IF_ERROR(r.Float("rope.freq_base_swa", 10000.0f, true, &s->freq_base_swa));
  } else {
    INFERNO_RETURN_IF_ERROR(
        r.OnlyDefault("rope.freq_base_swa", 10000.0, "this architecture has no sliding layers"));
  }
  INFERNO_RETURN_IF_ERROR(
      r.OnlyDefault("rope.scaling.alpha", 0.0, "NTK-aware alpha scaling is not implemented"));
  return r.Float("rope.scaling.attn_factor", 1.0f, /*positive=*/true, &s->attn_factor);
}

// llama_context's folding of the YaRN magnitude into attn_factor, in its float order: with
// YaRN on, ggml multiplies cos/sin by 1 + 0.1 ln(1 / freq_scale) itself, so the factor it is
// handed is divided by that, and times HF's mscale ratio when yarn_log_multiplier is set.
void FoldYarnMagnitude(RopeScaling* s) {
  const float rope_attn_factor = s->attn_factor;
  s->ext_factor = s->type == RopeScalingType::kYarn ? 1.0f : 0.0f;
  float attn = 1.0f;
  if (s->ext_factor != 0.0f) {
    auto mscale = [](float scale, float m) {
      return scale <= 1.0f ? 1.0f : 0.1f * m * std::log(scale) + 1.0f;
    };
    const float factor = 1.0f / s->freq_scale;
    if (s->yarn_log_multiplier != 0.0f) {
      attn = mscale(factor, 1.0f) / mscale(factor, s->yarn_log_multiplier);
    } else {
      attn = mscale(factor, 1.0f);
    }
    attn *= 1.0f / (1.0f + 0.1f * std::log(factor));
  }
  s->attn_factor = attn * rope_attn_factor;
}

// A factor tensor: n_rot/2 values of a float type.
Status CheckFactorTensor(const gguf::File& f, const char* name, int n_rot) {
  const gguf::TensorInfo* t = f.FindTensor(name);
  std::vector<int64_t> shape = t->shape;
  while (shape.size() > 1 && shape.back() == 1) shape.pop_back();
  if (shape.size() != 1 || shape[0] != n_rot / 2) {
    return Status::Corruption(f.path() + ": tensor '" + name + "': expected " +
                              std::to_string(n_rot / 2) + " values (rope dimensions / 2)");
  }
  if (t->type != DType::kF32 && t->type != DType::kF16 && t->type != DType::kBF16) {
    return Status::Unsupported(f.path() + ": tensor '" + name + "': type " +
                               std::string(DTypeName(t->type)) + " is not supported here");
  }
  return Status::Ok();
}

Status Refuse(const gguf::File& f, const char* tensor, const std::string& why) {
  return Status::Unsupported(f.path() + ": tensor '" + tensor + "' is not supported (" + why + ")");
}

// LongRoPE: both factor tensors, never one alone, never with rope_freqs. `stretched`: the
// family's models with a training context beyond the original one are LongRoPE models (Phi-3
// 128k), whose factors must not be missing: without them every position past the original
// context would be rotated wrongly, and llama.cpp would run it anyway.
Status ReadLongShort(const RopeKeys& r, int n_rot, bool stretched, RopeScaling* s) {
  const gguf::File& f = r.file();
  const bool has_long = f.FindTensor(kLong) != nullptr;
  const bool has_short = f.FindTensor(kShort) != nullptr;
  if (has_long || has_short || stretched || s->type == RopeScalingType::kLongRope) {
    for (const char* name : {kLong, kShort}) {
      if (f.FindTensor(name) == nullptr) {
        return Status::NotFound(
            f.path() + ": tensor '" + name +
            "' is missing (LongRoPE needs both rope_factors_long.weight and "
            "rope_factors_short.weight" +
            (stretched ? "; the context is stretched beyond rope.scaling.original_context_length"
                       : "") +
            ")");
      }
      INFERNO_RETURN_IF_ERROR(CheckFactorTensor(f, name, n_rot));
    }
    s->factors = RopeFactorTensors::kLongShort;
  }
  if (f.FindTensor(kFreqs) != nullptr) {
    return Refuse(f, kFreqs, "this model's RoPE factors are rope_factors_long/short");
  }
  return Status::Ok();
}

Status ReadFactorTensors(const RopeKeys& r, const RopeFamilyKeys& keys, int n_ctx_train, int n_rot,
                         RopeScaling* s) {
  const gguf::File& f = r.file();
  const bool longrope = s->type == RopeScalingType::kLongRope;
  if (keys.long_short) return ReadLongShort(r, n_rot, s->n_ctx_orig < n_ctx_train, s);
  if (keys.freqs_or_longrope && longrope) return ReadLongShort(r, n_rot, false, s);
  if (longrope) {
    return Status::Unsupported(f.path() + ": metadata '" + r.Key("rope.scaling.type") +
                               "': 'longrope' is not supported for this architecture");
  }
  for (const char* name : {kLong, kShort}) {
    if (f.FindTensor(name) != nullptr) {
      return Refuse(f, name, "only used with rope.scaling.type 'longrope'");
    }
  }
  if (f.FindTensor(kFreqs) == nullptr) return Status::Ok();
  if (!keys.freqs_or_longrope) return Refuse(f, kFreqs, "this architecture does not use it");
  INFERNO_RETURN_IF_ERROR(CheckFactorTensor(f, kFreqs, n_rot));
  s->factors = RopeFactorTensors::kFreqs;
  return Status::Ok();
}

}  // namespace

const char* RopeScalingTypeName(RopeScalingType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "?";
}

namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string RopeScaling::Describe() const {
  std::string s = RopeScalingTypeName(type);
  if (type != RopeScalingType::kNone) {
    s += ", factor " + Number(factor != 0.0f ? factor : 1.0f / freq_scale);
  }
  // Phi-3's long factors apply beyond the original context whatever the type says.
  if (type == RopeScalingType::kYarn || type == RopeScalingType::kLongRope ||
      factors == RopeFactorTensors::kLongShort) {
    s += ", original context " + std::to_string(n_ctx_orig);
  }
  if (type == RopeScalingType::kYarn) {
    s += ", beta fast " + Number(beta_fast) + " / slow " + Number(beta_slow);
    if (yarn_log_multiplier != 0.0f) s += ", log multiplier " + Number(yarn_log_multiplier);
  }
  // The factor the kernel is handed on top of YaRN's own magnitude (1 unless the file says).
  if (attn_factor != 1.0f) s += ", attention factor " + Number(attn_factor);
  if (factors == RopeFactorTensors::kFreqs) s += ", per-pair factors (rope_freqs.weight)";
  if (factors == RopeFactorTensors::kLongShort) {
    s += ", long/short factors (rope_factors_long/short.weight)";
  }
  return s;
}

blocks::RopeParams RopeScaling::Params(int n_rot, bool neox, const float* freq_factors) const {
  blocks::RopeParams p;
  p.n_rot = n_rot;
  p.freq_base = freq_base;
  p.freq_scale = freq_scale;
  p.neox = neox;
  p.freq_factors = freq_factors;
  p.ext_factor = ext_factor;
  p.attn_factor = attn_factor;
  p.beta_fast = beta_fast;
  p.beta_slow = beta_slow;
  p.n_ctx_orig = n_ctx_orig;
  return p;
}

Result<RopeScaling> ReadRopeScaling(const gguf::File& file, std::string_view arch, int n_ctx_train,
                                    int n_rot, const RopeFamilyKeys& keys) {
  const RopeKeys r(file, arch);
  RopeScaling s;
  INFERNO_RETURN_IF_ERROR(ReadType(r, &s));
  INFERNO_RETURN_IF_ERROR(ReadFactor(r, &s));
  INFERNO_RETURN_IF_ERROR(ReadOriginalContext(r, n_ctx_train, &s));
  INFERNO_RETURN_IF_ERROR(ReadYarnKeys(r, keys, &s));
  INFERNO_RETURN_IF_ERROR(ReadOtherKeys(r, keys, &s));
  FoldYarnMagnitude(&s);
  INFERNO_RETURN_IF_ERROR(ReadFactorTensors(r, keys, n_ctx_train, n_rot, &s));
  // Absent type and factor: llama.cpp says "linear" but nothing is stretched; call it none.
  if (s.type == RopeScalingType::kLinear && s.factor == 0.0f && !r.Has("rope.scaling.type")) {
    s.type = RopeScalingType::kNone;
  }
  return s;
}

}  // namespace inferno
