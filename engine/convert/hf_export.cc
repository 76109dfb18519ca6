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
  const std::string arch = Arg(f, "general.architecture");
  const std::string a = arch + ".";
  auto u = [&](const std::string& key, uint64_t def) {
    Result<uint64_t> v = f.GetUintOr(key, def);
    return v.ok() ? *v : def;
  };
  auto fl = [&](const std::string& key, double def) {
    Result<double> v = f.GetFloatOr(key, def);
    return v.ok() ? *v : def;
  };
  const int64_t n_embd = int64_t(u(a + "embedding_length", 0));
  const int64_t n_head = int64_t(u(a + "attention.head_count", 0));
  const int64_t n_head_kv = int64_t(u(a + "attention.head_count_kv", uint64_t(n_head)));
  const int64_t head_dim = int64_t(u(a + "attention.key_length", uint64_t(n_embd / n_head)));
  const int64_t n_layer = int64_t(u(a + "block_count", 0));
  const gguf::TensorInfo* embd = f.FindTensor("token_embd.weight");
  if (embd == nullptr || n_embd == 0 || n_head == 0) {
    return Status::InvalidArgument(f.path() + ": not a model this exporter understands");
  }
  const bool tied = f.FindTensor("output.weight") == nullptr;
  const bool gemma = arch == "gemma3";

  boost::json::object config{{"hidden_size", n_embd},
                             {"intermediate_size", u(a + "feed_forward_length", 0)},
                             {"num_hidden_layers", n_layer},
                             {"num_attention_heads", n_head},
                             {"num_key_value_heads", n_head_kv},
                             {"head_dim", head_dim},
                             {"max_position_embeddings", u(a + "context_length", 2048)},
                             {"rms_norm_eps", fl(a + "attention.layer_norm_rms_epsilon", 1e-6)},
                             {"rope_theta", fl(a + "rope.freq_base", 10000)},
                             {"vocab_size", embd->shape[1]},
                             {"tie_word_embeddings", tied},
                             {"torch_dtype", "float32"}};
  if (arch == "llama") {
    config["model_type"] = "llama";
    config["architectures"] = {"LlamaForCausalLM"};
  } else if (arch == "qwen2") {
    config["model_type"] = "qwen2";
    config["architectures"] = {"Qwen2ForCausalLM"};
  } else if (gemma) {
    config["model_type"] = "gemma3_text";
    config["architectures"] = {"Gemma3ForCausalLM"};
    config["sliding_window"] = u(a + "attention.sliding_window", 4096);
  } else if (arch == "phi3") {
    config["model_type"] = "phi3";
    config["architectures"] = {"Phi3ForCausalLM"};
  } else {
    return Status::Unsupported(f.path() + ": architecture '" + arch + "' cannot be exported");
  }

  // Tensors under their Hugging Face names, with the conversion's transforms undone.
  std::vector<HfTensor> tensors;
  for (const gguf::TensorInfo& t : f.tensors()) {
    const std::string name(t.name);
    Result<std::vector<float>> v = Dequantize(t);
    if (!v.ok()) return v.status();
    HfTensor h;
    h.data = std::move(v).value();
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) h.shape.push_back(*it);
    const bool is_norm = name.find("norm.weight") != std::string::npos;
    if (gemma && is_norm) {
      for (float& x : h.data) x -= 1.0f;
    }
    std::string hf;
    if (name == "token_embd.weight") {
      hf = "model.embed_tokens.weight";
    } else if (name == "output_norm.weight") {
      hf = "model.norm.weight";
    } else if (name == "output.weight") {
      hf = "lm_head.weight";
    } else if (name.rfind("blk.", 0) == 0) {
      const size_t dot = name.find('.', 4);
      const std::string layer = name.substr(4, dot - 4);
      const std::string rest = name.substr(dot + 1);
      const std::string p = "model.layers." + layer + ".";
      const bool llama = arch == "llama";
      if ((rest == "attn_q.weight" || rest == "attn_k.weight" || rest == "attn_q.bias" ||
           rest == "attn_k.bias") &&
          llama) {
        const int heads = int(rest[5] == 'q' ? n_head : n_head_kv);
        const int64_t cols = t.shape.size() == 1 ? 1 : t.cols();
        std::vector<float> tmp(h.data.size());
        UnpermuteRopeRows(h.data.data(), tmp.data(), heads, int(head_dim), cols);
        h.data.swap(tmp);
      }
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
      for (const auto& [g, n] : kNames) {
        if (rest == g) hf = p + n;
      }
      if (rest == "ffn_norm.weight") {
        hf = p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight");
      } else if (rest == "ffn_up.weight") {
        hf = p + (arch == "phi3" ? "mlp.gate_up_proj.weight" : "mlp.up_proj.weight");
      }
    }
    if (hf.empty()) {
      return Status::Unsupported(f.path() + ": tensor '" + name + "' has no Hugging Face name");
    }
    h.name = hf;
    tensors.push_back(std::move(h));
  }
  if (options.shards <= 1) {
    INFERNO_RETURN_IF_ERROR(
        WriteSafetensors((fs::path(dir) / "model.safetensors").string(), tensors, options.dtype));
  } else {
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
      INFERNO_RETURN_IF_ERROR(
          WriteSafetensors((fs::path(dir) / name).string(), part, options.dtype));
    }
    INFERNO_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "model.safetensors.index.json").string(),
                      boost::json::serialize(boost::json::object{{"metadata", {{"total_size", 0}}},
                                                                 {"weight_map", weight_map}})));
  }

  // Tokenizer.
  Result<std::vector<std::string_view>> tokens = f.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  std::vector<int64_t> types(tokens->size(), 1);
  if (f.Find("tokenizer.ggml.token_type") != nullptr) {
    Result<std::vector<int64_t>> t = f.GetIntArray("tokenizer.ggml.token_type");
    if (!t.ok()) return t.status();
    types = *t;
  }
  auto id_of = [&](const char* key) -> int64_t {
    const gguf::Value* v = f.Find(key);
    return v != nullptr && v->is_integer() ? int64_t(v->u) : -1;
  };
  const int64_t bos = id_of("tokenizer.ggml.bos_token_id");
  const int64_t eos = id_of("tokenizer.ggml.eos_token_id");
  const int64_t unk = id_of("tokenizer.ggml.unknown_token_id");
  const int64_t pad = id_of("tokenizer.ggml.padding_token_id");
  const std::string model = Arg(f, "tokenizer.ggml.model");
  if (model == "llama") {
    SpmModel spm;
    std::vector<float> scores(tokens->size(), 0.0f);
    if (f.Find("tokenizer.ggml.scores") != nullptr) {
      Result<std::vector<float>> s = f.GetFloatArray("tokenizer.ggml.scores");
      if (!s.ok()) return s.status();
      scores = *s;
    }
    for (size_t i = 0; i < tokens->size(); ++i) {
      const int type = types[i] >= 1 && types[i] <= 6 ? int(types[i]) : 1;
      spm.pieces.push_back({std::string((*tokens)[i]), scores[i], type});
    }
    spm.model_type = 2;
    spm.byte_fallback = true;
    spm.unk_id = int(unk);
    spm.bos_id = int(bos);
    spm.eos_id = int(eos);
    spm.pad_id = int(pad);
    Result<bool> add_space = f.GetBoolOr("tokenizer.ggml.add_space_prefix", true);
    spm.add_dummy_prefix = add_space.ok() ? *add_space : true;
    spm.remove_extra_whitespaces = false;
    INFERNO_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "tokenizer.model").string(), SerializeSpmModel(spm)));
  } else if (model == "gpt2") {
    boost::json::object vocab;
    boost::json::array added;
    for (size_t i = 0; i < tokens->size(); ++i) {
      const std::string text((*tokens)[i]);
      if (types[i] == 5 && text == "[PAD" + std::to_string(i) + "]") continue;  // re-padded
      if (types[i] == 3 || types[i] == 4) {
        added.push_back({{"id", i}, {"content", text}, {"special", types[i] == 3}});
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
        {"pre_tokenizer",
         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
    INFERNO_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "tokenizer.json").string(), boost::json::serialize(tj)));
  } else {
    return Status::Unsupported(f.path() + ": tokenizer model '" + model + "' cannot be exported");
  }
  boost::json::object tc;
  auto text_of = [&](int64_t id) {
    return id >= 0 && size_t(id) < tokens->size() ? std::string((*tokens)[size_t(id)]) : "";
  };
  if (bos >= 0) tc["bos_token"] = text_of(bos);
  if (eos >= 0) tc["eos_token"] = text_of(eos);
  if (unk >= 0) tc["unk_token"] = text_of(unk);
  if (pad >= 0) tc["pad_token"] = text_of(pad);
  for (const char* key : {"add_bos_token", "add_eos_token"}) {
    const gguf::Value* v = f.Find(std::string("tokenizer.ggml.") + key);
    if (v != nullptr && v->type == gguf::ValueType::kBool) tc[key] = v->u != 0;
  }
  const std::string tmpl = Arg(f, "tokenizer.chat_template");
  if (!tmpl.empty()) tc["chat_template"] = tmpl;
  INFERNO_RETURN_IF_ERROR(WriteTextFile((fs::path(dir) / "tokenizer_config.json").string(),
                                        boost::json::serialize(tc)));
  if (bos >= 0) config["bos_token_id"] = bos;
  if (eos >= 0) config["eos_token_id"] = eos;
  return WriteTextFile((fs::path(dir) / "config.json").string(), boost::json::serialize(config));
}

}  // namespace inferno::convert
