#include "engine/convert/convert.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "engine/convert/checkpoint.h"
#include "engine/convert/json_file.h"
#include "engine/convert/parallel_rows.h"
#include "engine/convert/quant_mix.h"
#include "engine/convert/vocab.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/quantize.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

enum class Family { kLlama, kQwen2, kGemma3, kPhi3 };

struct HParams {
  Family family = Family::kLlama;
  std::string arch;  // GGUF architecture name
  int64_t n_embd = 0, n_layer = 0, n_ff = 0, n_head = 0, n_head_kv = 0, head_dim = 0;
  int64_t n_ctx = 0, n_vocab = 0, rope_dim = 0, sliding_window = 0;
  double eps = 1e-6, rope_theta = 10000;
  bool tied = false;
  bool explicit_head_dim = false;
  std::string rope_scaling;  // "", "linear", "llama3"
  double rope_factor = 1, low_freq_factor = 1, high_freq_factor = 4;
  int64_t rope_orig_ctx = 8192;
};

enum class Transform { kCopy, kPermuteQ, kPermuteK, kAddOne };

struct Planned {
  std::string name;                  // GGUF name
  std::vector<std::string> sources;  // HF names, concatenated along rows
  std::vector<std::vector<int64_t>> source_shapes;
  Transform transform = Transform::kCopy;
  std::vector<int64_t> shape;  // GGUF order
  int layer = -1;
  std::vector<float> generated;  // tensors computed from the config (rope_freqs)
  DType type = DType::kF32;
};

Result<Family> DetectFamily(const boost::json::object& config, const std::string& file,
                            std::string* arch) {
  std::string model_type;
  if (const auto* v = config.if_contains("model_type"); v && v->is_string()) {
    model_type = std::string(v->as_string());
  }
  std::string architecture;
  if (const auto* v = config.if_contains("architectures"); v && v->is_array()) {
    if (!v->as_array().empty() && v->as_array()[0].is_string()) {
      architecture = std::string(v->as_array()[0].as_string());
    }
  }
  struct Known {
    const char* model_type;
    const char* architecture;
    Family family;
    const char* arch;
  };
  const Known known[] = {
      {"llama", "LlamaForCausalLM", Family::kLlama, "llama"},
      {"mistral", "MistralForCausalLM", Family::kLlama, "llama"},
      {"qwen2", "Qwen2ForCausalLM", Family::kQwen2, "qwen2"},
      {"gemma3_text", "Gemma3ForCausalLM", Family::kGemma3, "gemma3"},
      {"gemma3", "Gemma3ForConditionalGeneration", Family::kGemma3, "gemma3"},
      {"phi3", "Phi3ForCausalLM", Family::kPhi3, "phi3"},
  };
  for (const Known& k : known) {
    if (model_type == k.model_type || architecture == k.architecture) {
      *arch = k.arch;
      return k.family;
    }
  }
  return Status::Unsupported(file + ": model_type '" + model_type + "' (architectures: '" +
                             architecture +
                             "') is not supported (supported families: llama, mistral, qwen2, "
                             "gemma3, phi3)");
}

Result<HParams> ReadHParams(const boost::json::object& root, const std::string& file) {
  HParams h;
  Result<Family> fam = DetectFamily(root, file, &h.arch);
  if (!fam.ok()) return fam.status();
  h.family = *fam;
  // Multimodal Gemma 3 keeps the language model's settings in text_config.
  const boost::json::object* cfg = &root;
  if (const auto* tc = root.if_contains("text_config"); tc && tc->is_object()) {
    cfg = &tc->as_object();
  }
  JsonView c(*cfg, file);
  auto need = [&](const char* key, int64_t* out) -> Status {
    Result<int64_t> v = c.Int(key);
    if (!v.ok()) return v.status();
    if (*v <= 0 || *v > (int64_t(1) << 24)) {
      return Status::InvalidArgument(file + ": key '" + key + "' = " + std::to_string(*v) +
                                     " is out of range");
    }
    *out = *v;
    return Status::Ok();
  };
  INFERNO_RETURN_IF_ERROR(need("hidden_size", &h.n_embd));
  INFERNO_RETURN_IF_ERROR(need("num_hidden_layers", &h.n_layer));
  INFERNO_RETURN_IF_ERROR(need("intermediate_size", &h.n_ff));
  INFERNO_RETURN_IF_ERROR(need("num_attention_heads", &h.n_head));
  INFERNO_RETURN_IF_ERROR(need("vocab_size", &h.n_vocab));
  h.n_head_kv = h.n_head;
  if (c.Has("num_key_value_heads"))
    INFERNO_RETURN_IF_ERROR(need("num_key_value_heads", &h.n_head_kv));
  if (h.n_head % h.n_head_kv != 0) {
    return Status::InvalidArgument(file + ": num_attention_heads " + std::to_string(h.n_head) +
                                   " is not a multiple of num_key_value_heads " +
                                   std::to_string(h.n_head_kv));
  }
  if (c.Has("head_dim")) {
    INFERNO_RETURN_IF_ERROR(need("head_dim", &h.head_dim));
    h.explicit_head_dim = h.head_dim * h.n_head != h.n_embd;
  } else {
    if (h.n_embd % h.n_head != 0) {
      return Status::InvalidArgument(file +
                                     ": hidden_size is not a multiple of "
                                     "num_attention_heads and head_dim is not given");
    }
    h.head_dim = h.n_embd / h.n_head;
  }
  const bool gemma = h.family == Family::kGemma3;
  Result<int64_t> ctx = c.IntOr("max_position_embeddings", gemma ? 131072 : 4096);
  if (!ctx.ok()) return ctx.status();
  h.n_ctx = *ctx;
  const char* eps_key = c.Has("rms_norm_eps") ? "rms_norm_eps" : "layer_norm_eps";
  Result<double> eps = c.NumberOr(eps_key, h.family == Family::kPhi3 ? 1e-5 : 1e-6);
  if (!eps.ok()) return eps.status();
  h.eps = *eps;
  Result<double> theta = c.NumberOr("rope_theta", gemma ? 1e6 : 10000.0);
  if (!theta.ok()) return theta.status();
  h.rope_theta = *theta;
  Result<double> partial = c.NumberOr("partial_rotary_factor", 1.0);
  if (!partial.ok()) return partial.status();
  h.rope_dim = int64_t(std::llround(double(h.head_dim) * *partial));
  Result<bool> tied = c.BoolOr("tie_word_embeddings", gemma);
  if (!tied.ok()) return tied.status();
  h.tied = *tied;
  if (gemma) {
    Result<int64_t> sw = c.IntOr("sliding_window", 4096);
    if (!sw.ok()) return sw.status();
    h.sliding_window = *sw;
  }
  if (const auto* rs = c.Get("rope_scaling"); rs != nullptr) {
    if (!rs->is_object())
      return Status::InvalidArgument(file + ": 'rope_scaling' must be an object");
    JsonView r(rs->as_object(), file + " rope_scaling");
    Result<std::string> type = r.StringOr("rope_type", "");
    if (!type.ok()) return type.status();
    std::string t = *type;
    if (t.empty()) {
      Result<std::string> t2 = r.StringOr("type", "");
      if (!t2.ok()) return t2.status();
      t = *t2;
    }
    Result<double> factor = r.NumberOr("factor", 1.0);
    if (!factor.ok()) return factor.status();
    h.rope_factor = *factor;
    if (t == "linear") {
      h.rope_scaling = "linear";
    } else if (t == "llama3" && h.family == Family::kLlama) {
      h.rope_scaling = "llama3";
      Result<double> lo = r.NumberOr("low_freq_factor", 1.0);
      Result<double> hi = r.NumberOr("high_freq_factor", 4.0);
      Result<int64_t> orig = r.IntOr("original_max_position_embeddings", 8192);
      if (!lo.ok()) return lo.status();
      if (!hi.ok()) return hi.status();
      if (!orig.ok()) return orig.status();
      h.low_freq_factor = *lo;
      h.high_freq_factor = *hi;
      h.rope_orig_ctx = *orig;
    } else if (t != "default" && !t.empty()) {
      return Status::Unsupported(file + ": rope_scaling type '" + t +
                                 "' is not supported (supported: linear, llama3)");
    }
  }
  return h;
}

// Llama 3's frequency factors: long wavelengths are slowed by `factor`, short ones kept,
// and the band between them interpolated smoothly; GGUF carries them as rope_freqs.weight.
std::vector<float> Llama3RopeFactors(const HParams& h) {
  std::vector<float> f;
  const double low_wavelen = double(h.rope_orig_ctx) / h.low_freq_factor;
  const double high_wavelen = double(h.rope_orig_ctx) / h.high_freq_factor;
  for (int64_t i = 0; i < h.rope_dim; i += 2) {
    const double freq = 1.0 / std::pow(h.rope_theta, double(i) / double(h.rope_dim));
    const double wavelen = 2 * M_PI / freq;
    double factor;
    if (wavelen < high_wavelen) {
      factor = 1;
    } else if (wavelen > low_wavelen) {
      factor = h.rope_factor;
    } else {
      const double smooth = (double(h.rope_orig_ctx) / wavelen - h.low_freq_factor) /
                            (h.high_freq_factor - h.low_freq_factor);
      factor = 1 / ((1 - smooth) / h.rope_factor + smooth);
    }
    f.push_back(float(factor));
  }
  return f;
}

// Where the language model's tensors live in this checkpoint.
std::string FindPrefix(const Checkpoint& ckpt) {
  for (const char* p : {"model.", "model.language_model.", "language_model.model."}) {
    if (ckpt.Has(std::string(p) + "embed_tokens.weight")) return p;
  }
  return "model.";
}

bool Ignorable(const std::string& name) {
  if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;
  for (const char* p : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.",
                        "model.multi_modal_projector."}) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

Result<std::vector<Planned>> Plan(const Checkpoint& ckpt, HParams& h) {
  const std::string p = FindPrefix(ckpt);
  std::vector<Planned> plan;
  const int64_t D = h.n_embd, F = h.n_ff;
  const int64_t q_dim = h.n_head * h.head_dim, kv_dim = h.n_head_kv * h.head_dim;
  const bool gemma = h.family == Family::kGemma3;
  auto matrix = [&](std::string name, std::vector<std::string> src,
                    std::vector<std::vector<int64_t>> shapes, int layer,
                    Transform t = Transform::kCopy) {
    int64_t rows = 0;
    for (const auto& s : shapes) rows += s[0];
    Planned x;
    x.name = std::move(name);
    x.sources = std::move(src);
    x.shape = {shapes[0][1], rows};
    x.source_shapes = std::move(shapes);
    x.layer = layer;
    x.transform = t;
    plan.push_back(std::move(x));
  };
  auto vec = [&](std::string name, std::string src, int64_t n, int layer,
                 Transform t = Transform::kCopy) {
    Planned x;
    x.name = std::move(name);
    x.sources = {std::move(src)};
    x.source_shapes = {{n}};
    x.shape = {n};
    x.layer = layer;
    x.transform = t;
    plan.push_back(std::move(x));
  };
  const Transform norm = gemma ? Transform::kAddOne : Transform::kCopy;

  // The embedding decides the vocabulary size (config vocab_size may differ by padding).
  Result<std::vector<int64_t>> emb = ckpt.Shape(p + "embed_tokens.weight");
  if (!emb.ok()) return emb.status();
  if (emb->size() != 2 || (*emb)[1] != D) {
    return Status::Corruption(ckpt.dir() + ": tensor '" + p + "embed_tokens.weight' has shape " +
                              ShapeString(*emb) + ", expected [vocab, " + std::to_string(D) + "]");
  }
  h.n_vocab = (*emb)[0];
  matrix("token_embd.weight", {p + "embed_tokens.weight"}, {{h.n_vocab, D}}, -1);
  if (h.rope_scaling == "llama3") {
    Planned x;
    x.name = "rope_freqs.weight";
    x.generated = Llama3RopeFactors(h);
    x.shape = {int64_t(x.generated.size())};
    plan.push_back(std::move(x));
  }
  for (int64_t l = 0; l < h.n_layer; ++l) {
    const int L = int(l);
    const std::string b = "blk." + std::to_string(l) + ".";
    const std::string s = p + "layers." + std::to_string(l) + ".";
    vec(b + "attn_norm.weight", s + "input_layernorm.weight", D, L, norm);
    if (h.family == Family::kPhi3) {
      if (ckpt.Has(s + "self_attn.qkv_proj.weight")) {
        matrix(b + "attn_qkv.weight", {s + "self_attn.qkv_proj.weight"}, {{q_dim + 2 * kv_dim, D}},
               L);
      } else {
        matrix(b + "attn_qkv.weight",
               {s + "self_attn.q_proj.weight", s + "self_attn.k_proj.weight",
                s + "self_attn.v_proj.weight"},
               {{q_dim, D}, {kv_dim, D}, {kv_dim, D}}, L);
      }
    } else {
      const bool llama = h.family == Family::kLlama;
      matrix(b + "attn_q.weight", {s + "self_attn.q_proj.weight"}, {{q_dim, D}}, L,
             llama ? Transform::kPermuteQ : Transform::kCopy);
      matrix(b + "attn_k.weight", {s + "self_attn.k_proj.weight"}, {{kv_dim, D}}, L,
             llama ? Transform::kPermuteK : Transform::kCopy);
      matrix(b + "attn_v.weight", {s + "self_attn.v_proj.weight"}, {{kv_dim, D}}, L);
      // Biases (Qwen2 always; some Llama variants). Llama Q/K biases permute like the rows.
      for (auto [gg, hf, n, t] :
           {std::tuple{"attn_q.bias", "self_attn.q_proj.bias", q_dim,
                       llama ? Transform::kPermuteQ : Transform::kCopy},
            std::tuple{"attn_k.bias", "self_attn.k_proj.bias", kv_dim,
                       llama ? Transform::kPermuteK : Transform::kCopy},
            std::tuple{"attn_v.bias", "self_attn.v_proj.bias", kv_dim, Transform::kCopy}}) {
        if (ckpt.Has(s + hf) || h.family == Family::kQwen2) vec(b + gg, s + hf, n, L, t);
      }
    }
    matrix(b + "attn_output.weight", {s + "self_attn.o_proj.weight"}, {{D, q_dim}}, L);
    if (gemma) {
      vec(b + "attn_q_norm.weight", s + "self_attn.q_norm.weight", h.head_dim, L, norm);
      vec(b + "attn_k_norm.weight", s + "self_attn.k_norm.weight", h.head_dim, L, norm);
      vec(b + "post_attention_norm.weight", s + "post_attention_layernorm.weight", D, L, norm);
      vec(b + "ffn_norm.weight", s + "pre_feedforward_layernorm.weight", D, L, norm);
      vec(b + "post_ffw_norm.weight", s + "post_feedforward_layernorm.weight", D, L, norm);
    } else {
      vec(b + "ffn_norm.weight", s + "post_attention_layernorm.weight", D, L, norm);
    }
    if (h.family == Family::kPhi3) {
      if (ckpt.Has(s + "mlp.gate_up_proj.weight")) {
        matrix(b + "ffn_up.weight", {s + "mlp.gate_up_proj.weight"}, {{2 * F, D}}, L);
      } else {
        matrix(b + "ffn_up.weight", {s + "mlp.gate_proj.weight", s + "mlp.up_proj.weight"},
               {{F, D}, {F, D}}, L);
      }
    } else {
      matrix(b + "ffn_gate.weight", {s + "mlp.gate_proj.weight"}, {{F, D}}, L);
      matrix(b + "ffn_up.weight", {s + "mlp.up_proj.weight"}, {{F, D}}, L);
    }
    matrix(b + "ffn_down.weight", {s + "mlp.down_proj.weight"}, {{D, F}}, L);
  }
  vec("output_norm.weight", p + "norm.weight", D, -1, norm);
  std::string head;
  for (const char* c : {"lm_head.weight", "language_model.lm_head.weight"}) {
    if (ckpt.Has(c)) head = c;
  }
  if (!h.tied && head.empty()) h.tied = true;  // no lm_head stored: the embedding is reused
  if (!h.tied) matrix("output.weight", {head}, {{h.n_vocab, D}}, -1);

  // Every source must be present with the shape the config implies, before anything is
  // written.
  for (const Planned& x : plan) {
    for (size_t i = 0; i < x.sources.size(); ++i) {
      Result<std::vector<int64_t>> shape = ckpt.Shape(x.sources[i]);
      if (!shape.ok()) return shape.status();
      if (*shape != x.source_shapes[i]) {
        return Status::Corruption(ckpt.dir() + ": tensor '" + x.sources[i] + "' has shape " +
                                  ShapeString(*shape) + ", expected " +
                                  ShapeString(x.source_shapes[i]) + " from config.json");
      }
    }
  }
  // Every checkpoint tensor must be used (or known to be irrelevant): silently dropping
  // weights would produce a model that loads but computes something else.
  std::set<std::string> used;
  for (const Planned& x : plan) used.insert(x.sources.begin(), x.sources.end());
  if (h.tied && !head.empty()) used.insert(head);
  for (const std::string& name : ckpt.Names()) {
    if (!used.count(name) && !Ignorable(name)) {
      return Status::Unsupported(ckpt.dir() + ": tensor '" + name + "' has no place in a " +
                                 h.arch + " GGUF (unsupported model variant?)");
    }
  }
  return plan;
}

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
  if (h.explicit_head_dim || h.family == Family::kGemma3) {
    w.AddU32(a + "attention.key_length", uint32_t(h.head_dim));
    w.AddU32(a + "attention.value_length", uint32_t(h.head_dim));
  }
  if (h.family == Family::kGemma3) {
    w.AddU32(a + "attention.sliding_window", uint32_t(h.sliding_window));
  }
  if (h.rope_scaling == "linear") {
    w.AddString(a + "rope.scaling.type", "linear");
    w.AddF32(a + "rope.scaling.factor", float(h.rope_factor));
  }
}

}  // namespace

void PermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_head; ++h) {
    for (int i = 0; i < half; ++i) {
      for (int j = 0; j < 2; ++j) {
        const float* src = in + (int64_t(h) * head_dim + j * half + i) * cols;
        float* dst = out + (int64_t(h) * head_dim + 2 * i + j) * cols;
        std::copy(src, src + cols, dst);
      }
    }
  }
}

void UnpermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_head; ++h) {
    for (int i = 0; i < half; ++i) {
      for (int j = 0; j < 2; ++j) {
        const float* src = in + (int64_t(h) * head_dim + 2 * i + j) * cols;
        float* dst = out + (int64_t(h) * head_dim + j * half + i) * cols;
        std::copy(src, src + cols, dst);
      }
    }
  }
}

Status ConvertCheckpoint(const std::string& dir, const std::string& out_path,
                         const ConvertOptions& options, const ProgressFn& progress) {
  Result<FileType> ft = ParseFileType(options.type == "auto" ? "f16" : options.type);
  if (!ft.ok()) return ft.status();
  const std::string config_path = (fs::path(dir) / "config.json").string();
  if (!fs::is_directory(dir)) {
    return Status::NotFound(dir + ": not a directory (expected a checkpoint folder)");
  }
  Result<boost::json::object> config = ReadJsonObject(config_path);
  if (!config.ok()) return config.status();
  Result<HParams> hp = ReadHParams(*config, config_path);
  if (!hp.ok()) return hp.status();
  HParams& h = *hp;
  Result<std::unique_ptr<Checkpoint>> ckpt = Checkpoint::Open(dir);
  if (!ckpt.ok()) return ckpt.status();
  if (options.type == "auto" && (*ckpt)->AllMatricesBf16()) ft = ParseFileType("bf16");
  Result<std::vector<Planned>> plan = Plan(**ckpt, h);
  if (!plan.ok()) return plan.status();
  VocabOptions vo;
  vo.pre_override = options.pre;
  Result<GgufVocab> vocab = LoadVocab(dir, *config, h.n_vocab, vo);
  if (!vocab.ok()) return vocab.status();

  gguf::Writer w;
  w.AddString("general.architecture", h.arch);
  std::string name = options.name;
  if (name.empty()) name = fs::path(dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(dir).lexically_normal().parent_path().filename().string();
  w.AddString("general.name", name);
  w.AddU32("general.file_type", ft->ftype);
  if (GetDTypeInfo(ft->base).quantized) w.AddU32("general.quantization_version", 2);
  WriteArchMetadata(h, w);
  vocab->WriteTo(w);

  const bool has_output = !h.tied;
  uint64_t total = 0;
  for (Planned& x : *plan) {
    TensorRole role{x.name, x.shape[0], int(x.shape.size()), x.layer, int(h.n_layer), has_output};
    role.n_gqa = h.n_head_kv > 0 ? int(h.n_head / h.n_head_kv) : 1;
    x.type = ChooseTensorType(*ft, role);
    w.DeclareTensor(x.name, x.type, x.shape);
    for (const auto& s : x.source_shapes) {
      int64_t n = 1;
      for (int64_t d : s) n *= d;
      total += uint64_t(n) * 4;
    }
  }

  const Checkpoint& ck = **ckpt;
  uint64_t done = 0;
  std::vector<float> values, part, tmp;
  auto produce = [&](size_t index, std::vector<uint8_t>* data) -> Status {
    const Planned& x = (*plan)[index];
    if (!x.generated.empty()) {
      values = x.generated;
    } else {
      values.clear();
      for (size_t i = 0; i < x.sources.size(); ++i) {
        INFERNO_RETURN_IF_ERROR(ck.Read(x.sources[i], x.source_shapes[i], &part));
        if (x.sources.size() == 1) {
          values.swap(part);  // no second copy of a large tensor
        } else {
          values.insert(values.end(), part.begin(), part.end());
        }
      }
    }
    const int64_t cols = x.shape[0];
    const int64_t rows = int64_t(values.size()) / cols;
    switch (x.transform) {
      case Transform::kPermuteQ:
      case Transform::kPermuteK: {
        const int heads = int(x.transform == Transform::kPermuteQ ? h.n_head : h.n_head_kv);
        // Biases are one value per row: the same permutation with rows of length 1.
        const bool bias = x.shape.size() == 1;
        tmp.resize(values.size());
        PermuteRopeRows(values.data(), tmp.data(), heads, int(h.head_dim), bias ? 1 : cols);
        values.swap(tmp);
        break;
      }
      case Transform::kAddOne:
        for (float& v : values) v += 1.0f;
        break;
      case Transform::kCopy:
        break;
    }
    if (x.type == DType::kF16) {
      // F16 tops out at 65504; a larger weight would silently become infinity.
      for (float v : values) {
        if (std::fabs(v) > 65504.0f) {
          return Status::OutOfRange(dir + ": tensor '" + x.name + "' has a value " +
                                    std::to_string(v) +
                                    " beyond F16's range; convert with --type bf16 or f32");
        }
      }
    }
    const size_t row_bytes = RowBytes(x.type, cols);
    data->resize(row_bytes * size_t(rows));
    ParallelRows(rows, cols, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        QuantizeWeightRow(x.type, values.data() + r * cols, data->data() + size_t(r) * row_bytes,
                          cols);
      }
    });
    done += values.size() * 4;
    if (progress) {
      progress({index + 1, plan->size(), x.name, x.type, std::min(done, total), total});
    }
    return Status::Ok();
  };
  return w.WriteStreaming(out_path, produce);
}

}  // namespace inferno::convert
