#include "engine/convert/hf_config.h"

#include <cmath>

#include "engine/convert/json_file.h"

namespace inferno::convert {
namespace {

std::string FirstArchitecture(const boost::json::object& config) {
  if (const auto* v = config.if_contains("architectures"); v && v->is_array()) {
    if (!v->as_array().empty() && v->as_array()[0].is_string()) {
      return std::string(v->as_array()[0].as_string());
    }
  }
  return "";
}

// The family one of whose Hugging Face names the config carries (model_type or
// architectures[0]).
Result<const Family*> DetectFamily(const boost::json::object& config, const std::string& file) {
  std::string model_type;
  if (const auto* v = config.if_contains("model_type"); v && v->is_string()) {
    model_type = std::string(v->as_string());
  }
  const std::string architecture = FirstArchitecture(config);
  std::string supported;
  for (const Family* f : Families()) {
    if (f->hf == nullptr) continue;
    for (const HfName& n : f->hf->names) {
      if (model_type == n.model_type || architecture == n.architecture) return f;
      supported += (supported.empty() ? "" : ", ") + std::string(n.model_type);
    }
  }
  return Status::Unsupported(file + ": model_type '" + model_type + "' (architectures: '" +
                             architecture +
                             "') is not supported (supported model types: " + supported + ")");
}

// A positive size no larger than 2^24 (a guard against absurd configs).
Status ReadSize(const JsonView& c, const char* key, int64_t* out) {
  Result<int64_t> v = c.Int(key);
  if (!v.ok()) return v.status();
  if (*v <= 0 || *v > (int64_t(1) << 24)) {
    return Status::InvalidArgument(c.file() + ": key '" + key + "' = " + std::to_string(*v) +
                                   " is out of range");
  }
  *out = *v;
  return Status::Ok();
}

Status ReadShape(const JsonView& c, HParams& h) {
  INFERNO_RETURN_IF_ERROR(ReadSize(c, "hidden_size", &h.n_embd));
  INFERNO_RETURN_IF_ERROR(ReadSize(c, "num_hidden_layers", &h.n_layer));
  INFERNO_RETURN_IF_ERROR(ReadSize(c, "intermediate_size", &h.n_ff));
  INFERNO_RETURN_IF_ERROR(ReadSize(c, "num_attention_heads", &h.n_head));
  INFERNO_RETURN_IF_ERROR(ReadSize(c, "vocab_size", &h.n_vocab));
  h.n_head_kv = h.n_head;
  if (c.Has("num_key_value_heads")) {
    INFERNO_RETURN_IF_ERROR(ReadSize(c, "num_key_value_heads", &h.n_head_kv));
  }
  if (h.n_head % h.n_head_kv != 0) {
    return Status::InvalidArgument(c.file() + ": num_attention_heads " + std::to_string(h.n_head) +
                                   " is not a multiple of num_key_value_heads " +
                                   std::to_string(h.n_head_kv));
  }
  if (c.Has("head_dim")) {
    INFERNO_RETURN_IF_ERROR(ReadSize(c, "head_dim", &h.head_dim));
    h.explicit_head_dim = h.head_dim * h.n_head != h.n_embd;
  } else {
    if (h.n_embd % h.n_head != 0) {
      return Status::InvalidArgument(c.file() +
                                     ": hidden_size is not a multiple of "
                                     "num_attention_heads and head_dim is not given");
    }
    h.head_dim = h.n_embd / h.n_head;
  }
  return Status::Ok();
}

// Common keys whose defaults the family chooses.
Status ReadCommon(const JsonView& c, const JsonView* rope, HParams& h) {
  const HfConversion& hf = *h.hf;
  Result<int64_t> ctx = c.IntOr("max_position_embeddings", hf.default_context);
  if (!ctx.ok()) return ctx.status();
  h.n_ctx = *ctx;
  const char* eps_key = c.Has("rms_norm_eps") ? "rms_norm_eps" : "layer_norm_eps";
  Result<double> eps = c.NumberOr(eps_key, hf.default_eps);
  if (!eps.ok()) return eps.status();
  h.eps = *eps;
  // Transformers 5 keeps rope_theta among the RoPE parameters.
  const JsonView& theta_in = c.Has("rope_theta") || rope == nullptr ? c : *rope;
  Result<double> theta = theta_in.NumberOr("rope_theta", hf.default_rope_theta);
  if (!theta.ok()) return theta.status();
  h.rope_theta = *theta;
  Result<double> partial = c.NumberOr("partial_rotary_factor", 1.0);
  if (!partial.ok()) return partial.status();
  h.rope_dim = int64_t(std::llround(double(h.head_dim) * *partial));
  Result<bool> tied = c.BoolOr("tie_word_embeddings", hf.default_tied);
  if (!tied.ok()) return tied.status();
  h.tied = *tied;
  return Status::Ok();
}

// A key given only when the config has it.
Status OptionalNumber(const JsonView& r, const char* key, std::optional<double>* out) {
  if (!r.Has(key)) return Status::Ok();
  Result<double> v = r.Number(key);
  if (!v.ok()) return v.status();
  *out = *v;
  return Status::Ok();
}

Status ReadYarn(const JsonView& r, const JsonView& c, HfRope& rope) {
  const JsonView& orig_in = r.Has("original_max_position_embeddings") ? r : c;
  Result<int64_t> orig = orig_in.Int("original_max_position_embeddings");
  if (!orig.ok()) return orig.status();
  rope.orig_ctx = *orig;
  INFERNO_RETURN_IF_ERROR(OptionalNumber(r, "extrapolation_factor", &rope.ext_factor));
  INFERNO_RETURN_IF_ERROR(OptionalNumber(
      r, r.Has("attention_factor") ? "attention_factor" : "attn_factor", &rope.attn_factor));
  INFERNO_RETURN_IF_ERROR(OptionalNumber(r, "beta_fast", &rope.beta_fast));
  return OptionalNumber(r, "beta_slow", &rope.beta_slow);
}

Status ReadLlama3(const JsonView& r, HfRope& rope) {
  Result<double> lo = r.NumberOr("low_freq_factor", 1.0);
  Result<double> hi = r.NumberOr("high_freq_factor", 4.0);
  Result<int64_t> orig = r.IntOr("original_max_position_embeddings", 8192);
  if (!lo.ok()) return lo.status();
  if (!hi.ok()) return hi.status();
  if (!orig.ok()) return orig.status();
  rope.low_freq_factor = *lo;
  rope.high_freq_factor = *hi;
  rope.orig_ctx = *orig;
  return Status::Ok();
}

std::string RopeTypeList(uint8_t types) {
  std::string s = "linear";
  if (types & kHfRopeLlama3) s += ", llama3";
  if (types & kHfRopeYarn) s += ", yarn";
  return s;
}

Status ReadRope(const JsonView& r, const JsonView& c, const HfConversion& hf, HfRope& rope) {
  Result<std::string> type = r.StringOr("rope_type", "");
  if (!type.ok()) return type.status();
  std::string t = *type;
  if (t.empty()) {
    Result<std::string> t2 = r.StringOr("type", "");
    if (!t2.ok()) return t2.status();
    t = *t2;
  }
  if (t == "default" || t.empty()) return Status::Ok();
  Result<double> factor = r.NumberOr("factor", 1.0);
  if (!factor.ok()) return factor.status();
  rope.factor = *factor;
  if (t == "linear") {
    rope.type = t;
    return Status::Ok();
  }
  if (t == "llama3" && (hf.rope_types & kHfRopeLlama3)) {
    rope.type = t;
    return ReadLlama3(r, rope);
  }
  if (t == "yarn" && (hf.rope_types & kHfRopeYarn)) {
    rope.type = t;
    return ReadYarn(r, c, rope);
  }
  return Status::Unsupported(r.file() + ": rope_scaling type '" + t +
                             "' is not supported (supported: " + RopeTypeList(hf.rope_types) + ")");
}

// The family's own keys, and the keys it only accepts at one value.
Status ReadFamilyKeys(const JsonView& c, const JsonView* rope, HParams& h) {
  for (const HfKey& k : h.hf->keys) {
    const JsonView* in = k.in_rope ? rope : &c;
    const std::string key(k.hf);
    std::optional<double> value = k.default_value;
    if (in != nullptr && in->Has(key.c_str())) {
      Result<double> v = in->Number(key.c_str());
      if (!v.ok()) return v.status();
      value = *v;
    }
    if (!value) {
      if (k.need == HfNeed::kOptional) continue;
      return Status::InvalidArgument(c.file() + ": required key '" + key + "' is missing");
    }
    if (k.type == HfKey::kU32 &&
        (*value < 0 || *value > 4294967295.0 || *value != std::floor(*value))) {
      return Status::InvalidArgument(c.file() + ": key '" + key + "' must be an unsigned integer");
    }
    h.keys.emplace_back(&k, *value);
    if (k.gguf == "expert_count") h.n_expert = int64_t(*value);
    if (k.gguf == "expert_feed_forward_length") h.n_ff_exp = int64_t(*value);
  }
  for (const HfFixedKey& k : h.hf->fixed) {
    const std::string key(k.hf);
    const boost::json::value* v = c.Get(key.c_str());
    if (v != nullptr && *v != boost::json::parse(k.json)) {
      return Status::Unsupported(c.file() + ": key '" + key + "' = " + boost::json::serialize(*v) +
                                 " is not supported for " + h.arch + " (only " +
                                 std::string(k.json) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<HParams> ReadHParams(const boost::json::object& root, const std::string& file) {
  HParams h;
  Result<const Family*> family = DetectFamily(root, file);
  if (!family.ok()) return family.status();
  h.family = *family;
  h.hf = h.family->hf;
  h.arch = std::string(h.family->arch);
  // Multimodal checkpoints keep the language model's settings in text_config.
  const boost::json::object* cfg = &root;
  if (const auto* tc = root.if_contains("text_config"); tc && tc->is_object()) {
    cfg = &tc->as_object();
  }
  JsonView c(*cfg, file);
  INFERNO_RETURN_IF_ERROR(ReadShape(c, h));
  // Transformers 5 names it rope_parameters, earlier versions rope_scaling.
  const char* rope_key = c.Has("rope_parameters") ? "rope_parameters" : "rope_scaling";
  std::optional<JsonView> rope;
  if (const auto* rs = c.Get(rope_key); rs != nullptr) {
    if (!rs->is_object()) {
      return Status::InvalidArgument(file + ": '" + rope_key + "' must be an object");
    }
    rope.emplace(rs->as_object(), file + " " + rope_key);
  }
  const JsonView* r = rope ? &*rope : nullptr;
  INFERNO_RETURN_IF_ERROR(ReadCommon(c, r, h));
  if (r != nullptr) INFERNO_RETURN_IF_ERROR(ReadRope(*r, c, *h.hf, h.rope));
  INFERNO_RETURN_IF_ERROR(ReadFamilyKeys(c, r, h));
  return h;
}

int64_t DimSize(const HParams& h, HfDim d) {
  switch (d) {
    case HfDim::kEmbd:
      return h.n_embd;
    case HfDim::kQ:
      return h.n_head * h.head_dim;
    case HfDim::kKv:
      return h.n_head_kv * h.head_dim;
    case HfDim::kQkv:
      return (h.n_head + 2 * h.n_head_kv) * h.head_dim;
    case HfDim::kHeadDim:
      return h.head_dim;
    case HfDim::kHeads:
      return h.n_head;
    case HfDim::kFf:
      return h.n_ff;
    case HfDim::kFf2:
      return 2 * h.n_ff;
    case HfDim::kExperts:
      return h.n_expert;
    case HfDim::kFfExp:
      return h.n_ff_exp;
  }
  return 0;
}

// Long wavelengths are slowed by `factor`, short ones kept, and the band between them
// interpolated smoothly.
std::vector<float> Llama3RopeFactors(const HParams& h) {
  const HfRope& r = h.rope;
  std::vector<float> f;
  const double low_wavelen = double(r.orig_ctx) / r.low_freq_factor;
  const double high_wavelen = double(r.orig_ctx) / r.high_freq_factor;
  for (int64_t i = 0; i < h.rope_dim; i += 2) {
    const double freq = 1.0 / std::pow(h.rope_theta, double(i) / double(h.rope_dim));
    const double wavelen = 2 * M_PI / freq;
    double factor;
    if (wavelen < high_wavelen) {
      factor = 1;
    } else if (wavelen > low_wavelen) {
      factor = r.factor;
    } else {
      const double smooth = (double(r.orig_ctx) / wavelen - r.low_freq_factor) /
                            (r.high_freq_factor - r.low_freq_factor);
      factor = 1 / ((1 - smooth) / r.factor + smooth);
    }
    f.push_back(float(factor));
  }
  return f;
}

namespace {

void WriteKeys(const HParams& h, bool in_rope, gguf::Writer& w) {
  for (const auto& [k, value] : h.keys) {
    if (k->in_rope != in_rope) continue;
    const std::string key = h.arch + "." + std::string(k->gguf);
    if (k->type == HfKey::kU32) {
      w.AddU32(key, uint32_t(value));
    } else {
      w.AddF32(key, float(value));
    }
  }
}

void WriteRopeScaling(const HParams& h, gguf::Writer& w) {
  const std::string a = h.arch + ".rope.scaling.";
  const HfRope& r = h.rope;
  if (r.type != "linear" && r.type != "yarn") return;  // llama3: rope_freqs.weight
  w.AddString(a + "type", r.type);
  w.AddF32(a + "factor", float(r.factor));
  if (r.type == "linear") return;
  w.AddU32(a + "original_context_length", uint32_t(r.orig_ctx));
  const std::pair<const char*, const std::optional<double>*> yarn[] = {
      {"yarn_ext_factor", &r.ext_factor},
      {"yarn_attn_factor", &r.attn_factor},
      {"yarn_beta_fast", &r.beta_fast},
      {"yarn_beta_slow", &r.beta_slow}};
  for (const auto& [key, value] : yarn) {
    if (*value) w.AddF32(a + key, float(**value));
  }
}

}  // namespace

void WriteArchMetadata(const HParams& h, gguf::Writer& w) {
  const std::string a = h.arch + ".";
  w.AddU32(a + "context_length", uint32_t(h.n_ctx));
  w.AddU32(a + "embedding_length", uint32_t(h.n_embd));
  w.AddU32(a + "block_count", uint32_t(h.n_layer));
  w.AddU32(a + "feed_forward_length", uint32_t(h.n_ff));
  w.AddU32(a + "attention.head_count", uint32_t(h.n_head));
  w.AddU32(a + "attention.head_count_kv", uint32_t(h.n_head_kv));
  w.AddF32(a + "attention.layer_norm_rms_epsilon", float(h.eps));
  w.AddF32(a + "rope.freq_base", float(h.rope_theta));
  w.AddU32(a + "rope.dimension_count", uint32_t(h.rope_dim));
  w.AddU32(a + "vocab_size", uint32_t(h.n_vocab));
  if (h.explicit_head_dim || h.hf->always_key_length) {
    w.AddU32(a + "attention.key_length", uint32_t(h.head_dim));
    w.AddU32(a + "attention.value_length", uint32_t(h.head_dim));
  }
  WriteKeys(h, /*in_rope=*/false, w);
  WriteRopeScaling(h, w);
  WriteKeys(h, /*in_rope=*/true, w);
}

}  // namespace inferno::convert
