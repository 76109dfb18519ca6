#include "engine/convert/hf_export.h"

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/convert/convert.h"
#include "engine/convert/json_file.h"
#include "engine/convert/sentencepiece_model.h"
#include "engine/model/family.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

Result<std::vector<float>> Dequantize(const gguf::TensorInfo& t) {
  std::vector<float> v(size_t(t.n_elements));
  const size_t row = RowBytes(t.type, t.cols());
  for (int64_t r = 0; r < t.rows(); ++r) {
    DequantizeRow(t.type, t.data + size_t(r) * row, v.data() + r * t.cols(), t.cols());
  }
  return v;
}

std::string Arg(const gguf::File& f, const std::string& key) {
  Result<std::string> s = f.GetStringOr(key, "");
  return s.ok() ? *s : "";
}

// Metadata lookups that fall back to `def` when the key is missing or of another type.
uint64_t UintOr(const gguf::File& f, const std::string& key, uint64_t def) {
  Result<uint64_t> v = f.GetUintOr(key, def);
  return v.ok() ? *v : def;
}

double FloatOr(const gguf::File& f, const std::string& key, double def) {
  Result<double> v = f.GetFloatOr(key, def);
  return v.ok() ? *v : def;
}

// The hyperparameters the export needs, read from `<arch>.*` metadata.
struct ExportShape {
  std::string arch;
  const HfConversion* hf = nullptr;  // the family's Hugging Face mapping
  int64_t n_embd = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_layer = 0;
};

Result<ExportShape> ReadShape(const gguf::File& f) {
  ExportShape s;
  s.arch = Arg(f, "general.architecture");
  const std::string a = s.arch + ".";
  s.n_embd = int64_t(UintOr(f, a + "embedding_length", 0));
  s.n_head = int64_t(UintOr(f, a + "attention.head_count", 0));
  // Checked before head_dim's default divides by n_head.
  if (f.FindTensor("token_embd.weight") == nullptr || s.n_embd == 0 || s.n_head == 0) {
    return Status::InvalidArgument(f.path() + ": not a model this exporter understands");
  }
  const Family* family = FindFamily(s.arch);
  if (family == nullptr || family->hf == nullptr) {
    return Status::Unsupported(f.path() + ": architecture '" + s.arch + "' cannot be exported");
  }
  s.hf = family->hf;
  s.n_head_kv = int64_t(UintOr(f, a + "attention.head_count_kv", uint64_t(s.n_head)));
  s.head_dim = int64_t(UintOr(f, a + "attention.key_length", uint64_t(s.n_embd / s.n_head)));
  s.n_layer = int64_t(UintOr(f, a + "block_count", 0));
  return s;
}

// The family's own keys (HfKey), back from `<arch>.<gguf>` to config.json or, for RoPE ones,
// to `rope`.
void FamilyKeysToConfig(const gguf::File& f, const ExportShape& s, boost::json::object& config,
                        boost::json::object& rope) {
  for (const HfKey& k : s.hf->keys) {
    const std::string key = s.arch + "." + std::string(k.gguf);
    if (f.Find(key) == nullptr && !k.default_value) continue;
    boost::json::object& into = k.in_rope ? rope : config;
    const double def = k.default_value.value_or(0);
    if (k.type == HfKey::kU32) {
      into[k.hf] = UintOr(f, key, uint64_t(def));
    } else {
      into[k.hf] = FloatOr(f, key, def);
    }
  }
}

// rope.scaling.* back to Transformers' rope_scaling (linear and YaRN).
void RopeScalingToConfig(const gguf::File& f, const std::string& arch, boost::json::object& rope) {
  const std::string a = arch + ".rope.scaling.";
  const std::string type = Arg(f, a + "type");
  if (type != "linear" && type != "yarn") return;
  rope["rope_type"] = type;
  rope["factor"] = FloatOr(f, a + "factor", 1.0);
  if (type == "linear") return;
  rope["original_max_position_embeddings"] = UintOr(f, a + "original_context_length", 0);
  for (auto [gguf_key, hf_key] :
       {std::pair{"yarn_ext_factor", "extrapolation_factor"},
        std::pair{"yarn_attn_factor", "attention_factor"}, std::pair{"yarn_beta_fast", "beta_fast"},
        std::pair{"yarn_beta_slow", "beta_slow"}}) {
    if (f.Find(a + gguf_key) != nullptr) rope[hf_key] = FloatOr(f, a + gguf_key, 0);
  }
}

// config.json: the shape, and the model type and class Transformers loads the checkpoint as
// (the family's first Hugging Face name, its text-only form).
boost::json::object ConfigJson(const gguf::File& f, const ExportShape& s) {
  const std::string a = s.arch + ".";
  const bool tied = f.FindTensor("output.weight") == nullptr;
  boost::json::object config{
      {"hidden_size", s.n_embd},
      {"intermediate_size", UintOr(f, a + "feed_forward_length", 0)},
      {"num_hidden_layers", s.n_layer},
      {"num_attention_heads", s.n_head},
      {"num_key_value_heads", s.n_head_kv},
      {"head_dim", s.head_dim},
      {"max_position_embeddings", UintOr(f, a + "context_length", 2048)},
      {"rms_norm_eps", FloatOr(f, a + "attention.layer_norm_rms_epsilon", 1e-6)},
      {"rope_theta", FloatOr(f, a + "rope.freq_base", 10000)},
      {"vocab_size", f.FindTensor("token_embd.weight")->shape[1]},
      {"tie_word_embeddings", tied},
      {"torch_dtype", "float32"}};
  config["model_type"] = s.hf->names[0].model_type;
  config["architectures"] = {s.hf->names[0].architecture};
  boost::json::object rope;
  RopeScalingToConfig(f, s.arch, rope);
  FamilyKeysToConfig(f, s, config, rope);
  if (!rope.empty()) config["rope_scaling"] = rope;
  return config;
}

// One tensor as Hugging Face stores it.
struct Exported {
  std::string name;  // "" when the GGUF tensor has no Hugging Face counterpart
  HfTransform transform = HfTransform::kCopy;
  bool per_expert = false;  // name holds "{e}": one tensor per expert
};

// The Hugging Face name and conversion transform of a GGUF tensor.
Exported HfTensorName(const std::string& name, const ExportShape& s) {
  if (name == "token_embd.weight") return {"model.embed_tokens.weight"};
  if (name == "output_norm.weight") return {"model.norm.weight", s.hf->output_norm};
  if (name == "output.weight") return {"lm_head.weight"};
  if (name.rfind("blk.", 0) != 0) return {};
  const size_t dot = name.find('.', 4);
  const std::string rest = name.substr(dot + 1);
  for (const HfLayerTensor& t : s.hf->layer) {
    if (t.gguf == rest) {
      return {"model.layers." + name.substr(4, dot - 4) + "." + std::string(t.hf), t.transform,
              t.per_expert};
    }
  }
  return {};
}

// Undoes what conversion did to a tensor's values: norm weights stored plus one, Q/K rows
// permuted into llama.cpp's RoPE layout.
void UndoConversionTransform(const gguf::TensorInfo& t, const ExportShape& s, HfTransform tr,
                             std::vector<float>* data) {
  if (tr == HfTransform::kAddOne) {
    for (float& x : *data) x -= 1.0f;
  }
  if (tr == HfTransform::kPermuteQ || tr == HfTransform::kPermuteK) {
    const int heads = int(tr == HfTransform::kPermuteQ ? s.n_head : s.n_head_kv);
    const int64_t cols = t.shape.size() == 1 ? 1 : t.cols();
    std::vector<float> tmp(data->size());
    UnpermuteRopeRows(data->data(), tmp.data(), heads, int(s.head_dim), cols);
    data->swap(tmp);
  }
}

// A 3-D expert tensor (experts outermost) as one matrix per expert.
void SplitExperts(HfTensor whole, const std::string& pattern, std::vector<HfTensor>& out) {
  const int64_t experts = whole.shape[0];
  const size_t per = whole.data.size() / size_t(experts);
  for (int64_t e = 0; e < experts; ++e) {
    std::string name = pattern;
    name.replace(name.find("{e}"), 3, std::to_string(e));
    out.push_back(
        {name,
         {whole.shape[1], whole.shape[2]},
         std::vector<float>(whole.data.begin() + e * per, whole.data.begin() + (e + 1) * per)});
  }
}

// Every tensor dequantized to F32, in PyTorch order and under its Hugging Face name.
Result<std::vector<HfTensor>> ExportTensors(const gguf::File& f, const ExportShape& s) {
  std::vector<HfTensor> tensors;
  for (const gguf::TensorInfo& t : f.tensors()) {
    const std::string name(t.name);
    const Exported e = HfTensorName(name, s);
    if (e.name.empty()) {
      return Status::Unsupported(f.path() + ": tensor '" + name + "' has no Hugging Face name");
    }
    Result<std::vector<float>> v = Dequantize(t);
    if (!v.ok()) return v.status();
    HfTensor h;
    h.name = e.name;
    h.data = std::move(v).value();
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) h.shape.push_back(*it);
    UndoConversionTransform(t, s, e.transform, &h.data);
    if (e.per_expert) {
      SplitExperts(std::move(h), e.name, tensors);
    } else {
      tensors.push_back(std::move(h));
    }
  }
  return tensors;
}

// model.safetensors, or `options.shards` files of consecutive tensors plus the index that
// Transformers reads to find them.
Status WriteWeights(const std::string& dir, std::vector<HfTensor> tensors,
                    const ExportOptions& options) {
  if (options.shards <= 1) {
    return WriteSafetensors((fs::path(dir) / "model.safetensors").string(), tensors, options.dtype);
  }
  boost::json::object weight_map;
  const size_t per = (tensors.size() + size_t(options.shards) - 1) / size_t(options.shards);
  for (int s = 0; s < options.shards; ++s) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, options.shards);
    std::vector<HfTensor> part;
    for (size_t i = size_t(s) * per; i < std::min(tensors.size(), size_t(s + 1) * per); ++i) {
      weight_map[tensors[i].name] = name;
      part.push_back(std::move(tensors[i]));
    }
    INFERNO_RETURN_IF_ERROR(WriteSafetensors((fs::path(dir) / name).string(), part, options.dtype));
  }
  return WriteTextFile((fs::path(dir) / "model.safetensors.index.json").string(),
                       boost::json::serialize(boost::json::object{{"metadata", {{"total_size", 0}}},
                                                                  {"weight_map", weight_map}}));
}

// The GGUF vocabulary: token texts, their types (normal when the file has none) and the
// special token ids (-1 when absent).
struct ExportVocab {
  std::vector<std::string_view> tokens;
  std::vector<int64_t> types;
  int64_t bos = -1, eos = -1, unk = -1, pad = -1;
};

Result<ExportVocab> ReadVocab(const gguf::File& f) {
  ExportVocab v;
  Result<std::vector<std::string_view>> tokens = f.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  v.tokens = std::move(tokens).value();
  v.types.assign(v.tokens.size(), 1);
  if (f.Find("tokenizer.ggml.token_type") != nullptr) {
    Result<std::vector<int64_t>> t = f.GetIntArray("tokenizer.ggml.token_type");
    if (!t.ok()) return t.status();
    v.types = *t;
  }
  auto id_of = [&](const char* key) -> int64_t {
    const gguf::Value* id = f.Find(key);
    return id != nullptr && id->is_integer() ? int64_t(id->u) : -1;
  };
  v.bos = id_of("tokenizer.ggml.bos_token_id");
  v.eos = id_of("tokenizer.ggml.eos_token_id");
  v.unk = id_of("tokenizer.ggml.unknown_token_id");
  v.pad = id_of("tokenizer.ggml.padding_token_id");
  return v;
}

// tokenizer.model for a "llama" (SentencePiece) vocabulary.
Status WriteSentencePiece(const gguf::File& f, const ExportVocab& v, const std::string& dir) {
  SpmModel spm;
  std::vector<float> scores(v.tokens.size(), 0.0f);
  if (f.Find("tokenizer.ggml.scores") != nullptr) {
    Result<std::vector<float>> s = f.GetFloatArray("tokenizer.ggml.scores");
    if (!s.ok()) return s.status();
    scores = *s;
  }
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    const int type = v.types[i] >= 1 && v.types[i] <= 6 ? int(v.types[i]) : 1;
    spm.pieces.push_back({std::string(v.tokens[i]), scores[i], type});
  }
  spm.model_type = 2;
  spm.byte_fallback = true;
  spm.unk_id = int(v.unk);
  spm.bos_id = int(v.bos);
  spm.eos_id = int(v.eos);
  spm.pad_id = int(v.pad);
  Result<bool> add_space = f.GetBoolOr("tokenizer.ggml.add_space_prefix", true);
  spm.add_dummy_prefix = add_space.ok() ? *add_space : true;
  spm.remove_extra_whitespaces = false;
  return WriteTextFile((fs::path(dir) / "tokenizer.model").string(), SerializeSpmModel(spm));
}

// tokenizer.json for a "gpt2" (byte-level BPE) vocabulary; only the gpt-2 pre-tokenizer.
Status WriteBpeTokenizerJson(const gguf::File& f, const ExportVocab& v, const std::string& dir) {
  boost::json::object vocab;
  boost::json::array added;
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    const std::string text(v.tokens[i]);
    if (v.types[i] == 5 && text == "[PAD" + std::to_string(i) + "]") continue;  // re-padded
    if (v.types[i] == 3 || v.types[i] == 4) {
      added.push_back({{"id", i}, {"content", text}, {"special", v.types[i] == 3}});
    }
    vocab[text] = i;
  }
  boost::json::array merges;
  if (f.Find("tokenizer.ggml.merges") != nullptr) {
    Result<std::vector<std::string_view>> m = f.GetStringArray("tokenizer.ggml.merges");
    if (!m.ok()) return m.status();
    for (std::string_view s : *m) merges.push_back(boost::json::string(s));
  }
  const std::string pre = Arg(f, "tokenizer.ggml.pre");
  if (pre != "gpt-2") {
    return Status::Unsupported(f.path() + ": exporting pre-tokenizer '" + pre +
                               "' is not implemented (only gpt-2)");
  }
  boost::json::object tj{
      {"version", "1.0"},
      {"added_tokens", added},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
  return WriteTextFile((fs::path(dir) / "tokenizer.json").string(), boost::json::serialize(tj));
}

// tokenizer_config.json: the special tokens by text, add_bos/add_eos, the chat template.
Status WriteTokenizerConfig(const gguf::File& f, const ExportVocab& v, const std::string& dir) {
  boost::json::object tc;
  auto text_of = [&](int64_t id) {
    return id >= 0 && size_t(id) < v.tokens.size() ? std::string(v.tokens[size_t(id)]) : "";
  };
  if (v.bos >= 0) tc["bos_token"] = text_of(v.bos);
  if (v.eos >= 0) tc["eos_token"] = text_of(v.eos);
  if (v.unk >= 0) tc["unk_token"] = text_of(v.unk);
  if (v.pad >= 0) tc["pad_token"] = text_of(v.pad);
  for (const char* key : {"add_bos_token", "add_eos_token"}) {
    const gguf::Value* b = f.Find(std::string("tokenizer.ggml.") + key);
    if (b != nullptr && b->type == gguf::ValueType::kBool) tc[key] = b->u != 0;
  }
  const std::string tmpl = Arg(f, "tokenizer.chat_template");
  if (!tmpl.empty()) tc["chat_template"] = tmpl;
  return WriteTextFile((fs::path(dir) / "tokenizer_config.json").string(),
                       boost::json::serialize(tc));
}

}  // namespace

Status WriteSafetensors(const std::string& path, const std::vector<HfTensor>& tensors,
                        const std::string& dtype) {
  const size_t elem = dtype == "F32" ? 4 : 2;
  if (dtype != "F32" && dtype != "F16" && dtype != "BF16") {
    return Status::InvalidArgument("safetensors dtype '" + dtype + "' (expected F32/F16/BF16)");
  }
  boost::json::object header;
  uint64_t offset = 0;
  for (const HfTensor& t : tensors) {
    boost::json::array shape;
    for (int64_t d : t.shape) shape.push_back(d);
    const uint64_t bytes = t.data.size() * elem;
    header[t.name] = {{"dtype", dtype},
                      {"shape", shape},
                      {"data_offsets", boost::json::array{offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "pt"}};
  std::string text = boost::json::serialize(header);
  while (text.size() % 8 != 0) text += ' ';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(path + ": cannot create");
  const uint64_t n = text.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << text;
  std::vector<uint8_t> buf;
  for (const HfTensor& t : tensors) {
    buf.resize(t.data.size() * elem);
    for (size_t i = 0; i < t.data.size(); ++i) {
      if (dtype == "F32") {
        std::memcpy(buf.data() + 4 * i, &t.data[i], 4);
      } else {
        const uint16_t h = dtype == "F16" ? F32ToF16(t.data[i]) : F32ToBF16(t.data[i]);
        std::memcpy(buf.data() + 2 * i, &h, 2);
      }
    }
    out.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
  }
  return out ? Status::Ok() : Status::IoError(path + ": write failed");
}

Status ExportHfCheckpoint(const gguf::File& f, const std::string& dir,
                          const ExportOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  Result<ExportShape> shape = ReadShape(f);
  if (!shape.ok()) return shape.status();
  boost::json::object config = ConfigJson(f, *shape);
  Result<std::vector<HfTensor>> tensors = ExportTensors(f, *shape);
  if (!tensors.ok()) return tensors.status();
  INFERNO_RETURN_IF_ERROR(WriteWeights(dir, std::move(tensors).value(), options));

  Result<ExportVocab> vocab = ReadVocab(f);
  if (!vocab.ok()) return vocab.status();
  const std::string model = Arg(f, "tokenizer.ggml.model");
  if (model == "llama") {
    INFERNO_RETURN_IF_ERROR(WriteSentencePiece(f, *vocab, dir));
  } else if (model == "gpt2") {
    INFERNO_RETURN_IF_ERROR(WriteBpeTokenizerJson(f, *vocab, dir));
  } else {
    return Status::Unsupported(f.path() + ": tokenizer model '" + model + "' cannot be exported");
  }
  INFERNO_RETURN_IF_ERROR(WriteTokenizerConfig(f, *vocab, dir));
  if (vocab->bos >= 0) config["bos_token_id"] = vocab->bos;
  if (vocab->eos >= 0) config["eos_token_id"] = vocab->eos;
  return WriteTextFile((fs::path(dir) / "config.json").string(), boost::json::serialize(config));
}

}  // namespace inferno::convert
