#include "engine/convert/synthetic_checkpoint.h"

#include <boost/json.hpp>
#include <filesystem>
#include <random>

#include "engine/convert/json_file.h"
#include "engine/tensor/fp16.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

SpmModel MakeVocab() {
  SpmModel m;
  m.pieces.push_back({"<unk>", 0, SpmModel::kUnknown});
  m.pieces.push_back({"<s>", 0, SpmModel::kControl});
  m.pieces.push_back({"</s>", 0, SpmModel::kControl});
  m.pieces.push_back({"<|im_start|>", 0, SpmModel::kUserDefined});
  m.pieces.push_back({"<|im_end|>", 0, SpmModel::kUserDefined});
  for (int b = 0; b < 256; ++b) {
    char text[8];
    std::snprintf(text, sizeof text, "<0x%02X>", b);
    m.pieces.push_back({text, 0, SpmModel::kByte});
  }
  const char* words[] = {"\xE2\x96\x81",
                         "e",
                         "t",
                         "a",
                         "o",
                         "n",
                         "i",
                         "s",
                         "h",
                         "r",
                         "\xE2\x96\x81"
                         "t",
                         "he",
                         "\xE2\x96\x81"
                         "the",
                         "\xE2\x96\x81"
                         "a",
                         "in",
                         "\xE2\x96\x81"
                         "o",
                         "er",
                         "\xE2\x96\x81"
                         "s",
                         "on",
                         "at",
                         "u",
                         "s",
                         "er",
                         "user",
                         "assistant",
                         "\n",
                         "hi",
                         "\xE2\x96\x81"
                         "hi",
                         "\xE2\x96\x81"
                         "once",
                         "\xE2\x96\x81"
                         "upon",
                         "\xE2\x96\x81"
                         "time"};
  float score = -1;
  for (const char* w : words) {
    bool dup = false;
    for (const auto& p : m.pieces) dup |= p.text == w;
    if (dup) continue;
    m.pieces.push_back({w, score, SpmModel::kNormal});
    score -= 1;
  }
  m.model_type = 2;
  m.byte_fallback = true;
  m.unk_id = 0;
  m.bos_id = 1;
  m.eos_id = 2;
  m.pad_id = -1;
  m.normalizer_name = "identity";
  m.add_dummy_prefix = true;
  m.remove_extra_whitespaces = false;
  return m;
}

// Values representable in the safetensors dtype, so the test can expect them exactly.
float Round(float v, const std::string& dtype) {
  if (dtype == "F16") return F16ToF32(F32ToF16(v));
  if (dtype == "BF16") return BF16ToF32(F32ToBF16(v));
  return v;
}

boost::json::object LlamaConfig(const SyntheticSpec& spec, int64_t V) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", V},
          {"hidden_size", spec.n_embd},
          {"intermediate_size", spec.n_ff},
          {"num_hidden_layers", spec.n_layer},
          {"num_attention_heads", spec.n_head},
          {"num_key_value_heads", spec.n_head_kv},
          {"max_position_embeddings", spec.n_ctx},
          {"rms_norm_eps", spec.eps},
          {"rope_theta", spec.rope_theta},
          {"hidden_act", "silu"},
          {"tie_word_embeddings", spec.tied},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"torch_dtype", "float32"}};
}

// Qwen3, Qwen3-MoE and Ministral 3 as Transformers writes their configs.
boost::json::object ConfigJson(const SyntheticSpec& spec, int64_t V) {
  boost::json::object c = LlamaConfig(spec, V);
  if (spec.head_dim > 0) c["head_dim"] = spec.head_dim;
  if (spec.arch == "qwen3" || spec.arch == "qwen3moe") {
    c["architectures"] = {spec.arch == "qwen3" ? "Qwen3ForCausalLM" : "Qwen3MoeForCausalLM"};
    c["model_type"] = spec.arch == "qwen3" ? "qwen3" : "qwen3_moe";
    c["attention_bias"] = false;
  }
  if (spec.arch == "qwen3moe") {
    c["num_experts"] = spec.n_expert;
    c["num_experts_per_tok"] = spec.n_expert_used;
    c["moe_intermediate_size"] = spec.n_ff_exp;
    c["norm_topk_prob"] = true;
    c["decoder_sparse_step"] = 1;
    c["mlp_only_layers"] = boost::json::array{};
  }
  if (spec.arch != "mistral3") return c;
  // Transformers 5: the RoPE settings, rope_theta included, under rope_parameters.
  c["model_type"] = "ministral3";
  c.erase("architectures");
  c.erase("rope_theta");
  c["rope_parameters"] = {{"rope_type", "yarn"},
                          {"rope_theta", spec.rope_theta},
                          {"factor", 16.0},
                          {"original_max_position_embeddings", spec.yarn_orig_ctx},
                          {"beta_fast", 32.0},
                          {"beta_slow", 1.0},
                          {"mscale", 1.0},
                          {"mscale_all_dim", 1.0},
                          {"llama_4_scaling_beta", 0.1}};
  return {{"architectures", {"Mistral3ForConditionalGeneration"}},
          {"model_type", "mistral3"},
          {"text_config", c},
          {"vision_config", {{"hidden_size", 8}, {"model_type", "pixtral"}}},
          {"tie_word_embeddings", spec.tied}};
}

}  // namespace

const char kChatMlTemplate[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const HfTensor* SyntheticCheckpoint::Find(const std::string& name) const {
  for (const HfTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<SyntheticCheckpoint> WriteSyntheticCheckpoint(const std::string& dir,
                                                     const SyntheticSpec& spec) {
  SyntheticCheckpoint c;
  c.spec = spec;
  c.vocab = MakeVocab();
  c.chat_template = kChatMlTemplate;
  const int64_t V = int64_t(c.vocab.pieces.size()), D = spec.n_embd, F = spec.n_ff;
  const int64_t hd = spec.head_dim > 0 ? spec.head_dim : D / spec.n_head;
  const bool qk_norm = spec.arch == "qwen3" || spec.arch == "qwen3moe";
  // Mistral 3 is stored as its multimodal model: the language model under language_model.
  const std::string root = spec.arch == "mistral3" ? "model.language_model." : "model.";
  std::mt19937 rng(spec.seed);
  std::normal_distribution<float> nd(0.0f, 0.5f);
  auto add = [&](std::string name, std::vector<int64_t> shape, float mean = 0.0f) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    HfTensor t{std::move(name), std::move(shape), std::vector<float>(size_t(n))};
    for (float& v : t.data) v = Round(mean + nd(rng), spec.dtype);
    c.tensors.push_back(std::move(t));
  };
  add(root + "embed_tokens.weight", {V, D});
  for (int l = 0; l < spec.n_layer; ++l) {
    const std::string p = root + "layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {D}, 1.0f);
    add(p + "self_attn.q_proj.weight", {spec.n_head * hd, D});
    add(p + "self_attn.k_proj.weight", {spec.n_head_kv * hd, D});
    add(p + "self_attn.v_proj.weight", {spec.n_head_kv * hd, D});
    add(p + "self_attn.o_proj.weight", {D, spec.n_head * hd});
    if (qk_norm) {
      add(p + "self_attn.q_norm.weight", {hd}, 1.0f);
      add(p + "self_attn.k_norm.weight", {hd}, 1.0f);
    }
    add(p + "post_attention_layernorm.weight", {D}, 1.0f);
    if (spec.arch == "qwen3moe") {
      add(p + "mlp.gate.weight", {spec.n_expert, D});
      for (int e = 0; e < spec.n_expert; ++e) {
        const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
        add(x + "gate_proj.weight", {spec.n_ff_exp, D});
        add(x + "up_proj.weight", {spec.n_ff_exp, D});
        add(x + "down_proj.weight", {D, spec.n_ff_exp});
      }
    } else {
      add(p + "mlp.gate_proj.weight", {F, D});
      add(p + "mlp.up_proj.weight", {F, D});
      add(p + "mlp.down_proj.weight", {D, F});
    }
  }
  add(root + "norm.weight", {D}, 1.0f);
  if (!spec.tied) add("lm_head.weight", {V, D});
  if (spec.arch == "mistral3") {
    // The vision encoder a text GGUF leaves out.
    add("model.vision_tower.transformer.layers.0.attention.q_proj.weight", {8, 8});
    add("model.multi_modal_projector.linear_1.weight", {D, 8});
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path d(dir);
  if (spec.shards <= 1) {
    INFERNO_RETURN_IF_ERROR(
        WriteSafetensors((d / "model.safetensors").string(), c.tensors, spec.dtype));
  } else {
    boost::json::object weight_map;
    const size_t per = (c.tensors.size() + size_t(spec.shards) - 1) / size_t(spec.shards);
    for (int s = 0; s < spec.shards; ++s) {
      char name[64];
      std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, spec.shards);
      std::vector<HfTensor> part;
      for (size_t i = size_t(s) * per; i < std::min(c.tensors.size(), size_t(s + 1) * per); ++i) {
        weight_map[c.tensors[i].name] = name;
        part.push_back(c.tensors[i]);
      }
      INFERNO_RETURN_IF_ERROR(WriteSafetensors((d / name).string(), part, spec.dtype));
    }
    INFERNO_RETURN_IF_ERROR(
        WriteTextFile((d / "model.safetensors.index.json").string(),
                      boost::json::serialize(boost::json::object{{"weight_map", weight_map}})));
  }
  INFERNO_RETURN_IF_ERROR(
      WriteTextFile((d / "tokenizer.model").string(), SerializeSpmModel(c.vocab)));
  INFERNO_RETURN_IF_ERROR(
      WriteTextFile((d / "config.json").string(), boost::json::serialize(ConfigJson(spec, V))));
  INFERNO_RETURN_IF_ERROR(WriteTextFile(
      (d / "tokenizer_config.json").string(),
      boost::json::serialize(boost::json::object{{"tokenizer_class", "LlamaTokenizer"},
                                                 {"bos_token", "<s>"},
                                                 {"eos_token", "</s>"},
                                                 {"unk_token", "<unk>"},
                                                 {"add_bos_token", true},
                                                 {"add_eos_token", false},
                                                 {"chat_template", c.chat_template}})));
  INFERNO_RETURN_IF_ERROR(
      WriteTextFile((d / "generation_config.json").string(),
                    boost::json::serialize(boost::json::object{
                        {"bos_token_id", 1}, {"eos_token_id", boost::json::array{2, 4}}})));
  return c;
}

}  // namespace inferno::convert
