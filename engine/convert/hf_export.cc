#include "engine/convert/hf_export.h"

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/convert/convert.h"
#include "engine/convert/json_file.h"
#include "engine/convert/sentencepiece_model.h"
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
  s.n_head_kv = int64_t(UintOr(f, a + "attention.head_count_kv", uint64_t(s.n_head)));
  s.head_dim = int64_t(UintOr(f, a + "attention.key_length", uint64_t(s.n_embd / s.n_head)));
  s.n_layer = int64_t(UintOr(f, a + "block_count", 0));
  return s;
}

// config.json: the shape, and the model type and class Transformers loads the checkpoint as.
Result<boost::json::object> ConfigJson(const gguf::File& f, const ExportShape& s) {
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
  if (s.arch == "llama") {
    config["model_type"] = "llama";
    config["architectures"] = {"LlamaForCausalLM"};
  } else if (s.arch == "qwen2") {
    config["model_type"] = "qwen2";
    config["architectures"] = {"Qwen2ForCausalLM"};
  } else if (s.arch == "gemma3") {
    config["model_type"] = "gemma3_text";
    config["architectures"] = {"Gemma3ForCausalLM"};
    config["sliding_window"] = UintOr(f, a + "attention.sliding_window", 4096);
  } else if (s.arch == "phi3") {
    config["model_type"] = "phi3";
    config["architectures"] = {"Phi3ForCausalLM"};
  } else {
    return Status::Unsupported(f.path() + ": architecture '" + s.arch + "' cannot be exported");
  }
  return config;
}

// The Hugging Face name of a per-layer tensor, from its GGUF name after "blk.N.", or "".
std::string HfLayerTensorName(const std::string& rest, const std::string& arch) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"},
      {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"},
      {"attn_qkv.weight", "self_attn.qkv_proj.weight"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"},
      {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"post_attention_norm.weight", "post_attention_layernorm.weight"},
      {"post_ffw_norm.weight", "post_feedforward_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"},
  };
  for (const auto& [gguf_name, hf_name] : kNames) {
    if (rest == gguf_name) return hf_name;
  }
  // Gemma has a norm before and after the MLP; the others only the one before it, which
  // Transformers calls post_attention_layernorm. Phi-3 fuses gate and up projections.
  if (rest == "ffn_norm.weight") {
    return arch == "gemma3" ? "pre_feedforward_layernorm.weight"
                            : "post_attention_layernorm.weight";
  }
  if (rest == "ffn_up.weight")
    return arch == "phi3" ? "mlp.gate_up_proj.weight" : "mlp.up_proj.weight";
  return "";
}

// The Hugging Face name of a GGUF tensor, or "" when it has none.
std::string HfTensorName(const std::string& name, const std::string& arch) {
  if (name == "token_embd.weight") return "model.embed_tokens.weight";
  if (name == "output_norm.weight") return "model.norm.weight";
  if (name == "output.weight") return "lm_head.weight";
  if (name.rfind("blk.", 0) != 0) return "";
  const size_t dot = name.find('.', 4);
  const std::string layer = name.substr(4, dot - 4);
  const std::string hf = HfLayerTensorName(name.substr(dot + 1), arch);
  return hf.empty() ? "" : "model.layers." + layer + "." + hf;
}

// Undoes what conversion did to a tensor's values: Gemma's norm weights were stored plus
// one, and Llama's q/k rows were permuted into llama.cpp's RoPE layout.
void UndoConversionTransforms(const gguf::TensorInfo& t, const ExportShape& s,
                              std::vector<float>* data) {
  const std::string name(t.name);
  if (s.arch == "gemma3" && name.find("norm.weight") != std::string::npos) {
    for (float& x : *data) x -= 1.0f;
  }
  if (s.arch != "llama" || name.rfind("blk.", 0) != 0) return;
  const std::string rest = name.substr(name.find('.', 4) + 1);
  if (rest == "attn_q.weight" || rest == "attn_k.weight" || rest == "attn_q.bias" ||
      rest == "attn_k.bias") {
    const int heads = int(rest[5] == 'q' ? s.n_head : s.n_head_kv);
    const int64_t cols = t.shape.size() == 1 ? 1 : t.cols();
    std::vector<float> tmp(data->size());
    UnpermuteRopeRows(data->data(), tmp.data(), heads, int(s.head_dim), cols);
    data->swap(tmp);
  }
}

// Every tensor dequantized to F32, in PyTorch order and under its Hugging Face name.
Result<std::vector<HfTensor>> ExportTensors(const gguf::File& f, const ExportShape& s) {
  std::vector<HfTensor> tensors;
  for (const gguf::TensorInfo& t : f.tensors()) {
    const std::string name(t.name);
    Result<std::vector<float>> v = Dequantize(t);
    if (!v.ok()) return v.status();
    HfTensor h;
    h.data = std::move(v).value();
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) h.shape.push_back(*it);
    UndoConversionTransforms(t, s, &h.data);
    h.name = HfTensorName(name, s.arch);
    if (h.name.empty()) {
      return Status::Unsupported(f.path() + ": tensor '" + name + "' has no Hugging Face name");
    }
    tensors.push_back(std::move(h));
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
  Result<boost::json::object> config = ConfigJson(f, *shape);
  if (!config.ok()) return config.status();
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
  if (vocab->bos >= 0) (*config)["bos_token_id"] = vocab->bos;
  if (vocab->eos >= 0) (*config)["eos_token_id"] = vocab->eos;
  return WriteTextFile((fs::path(dir) / "config.json").string(), boost::json::serialize(*config));
}

}  // namespace inferno::convert
