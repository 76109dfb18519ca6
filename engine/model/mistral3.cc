// Mistral 3 (Ministral 3, Mistral Small 3.x text, Devstral): the Llama block with YaRN RoPE and
// Llama 4 style attention temperature, which multiplies the queries of position p by
// 1 + attention.temperature_scale * ln(floor(p / original_context_length) + 1).
//
//   x += Wo · attention(rope_yarn(Wq·n) * temperature(p), rope_yarn(Wk·n), Wv·n), n = rmsnorm(x)
//   x += Wdown · (silu(Wgate·n) * Wup·n)                                           n = rmsnorm(x)
//
// llama.cpp also reads rope.scaling.yarn_beta_fast/slow and yarn_log_multiplier for this family
// (engine/model/rope_config.h), and allows biases and experts, which are refused here.
#include <array>
#include <string>
#include <string_view>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

constexpr std::array<std::string_view, 1> kOwnKeys = {"attention.temperature_scale"};

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  c.rope_neox = false;
  // The reference asserts RoPE covers whole heads and that K and V heads match.
  if (c.rope_dim != c.head_dim || c.head_dim_v != c.head_dim) {
    return Status::Unsupported(f.path() + ": metadata '" + p + "rope.dimension_count' " +
                               std::to_string(c.rope_dim) + " with key/value head sizes " +
                               std::to_string(c.head_dim) + "/" + std::to_string(c.head_dim_v) +
                               ": mistral3 needs all three equal");
  }
  Result<double> temp = f.GetFloatOr(p + "attention.temperature_scale", 0.0);
  if (!temp.ok()) return temp.status();
  c.attn_temp_scale = static_cast<float>(*temp);
  // The temperature steps once per original context (never 0: ReadRopeScaling falls back to
  // the training context).
  c.attn_temp_floor = c.rope.n_ctx_orig;
  return Status::Ok();
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    DeclareNormsAndGatedFfn(b, c, l, w.layers[l]);
    DeclareAttention(b, c, l, w.layers[l]);
    for (const char* bias : {"attn_output.bias", "ffn_gate.bias", "ffn_up.bias", "ffn_down.bias"}) {
      b.Refuse(LayerTensor(l, bias), "output and feed-forward biases are not implemented");
    }
  }
}

// Hugging Face: Ministral 3 and Mistral Small 3.x as multimodal checkpoints (the language
// model under text_config and model.language_model.) or text-only ones. As llama.cpp converts
// them: the Llama layout (Q/K rows permuted), and from the YaRN RoPE parameters HF's
// mscale_all_dim as the YaRN log multiplier and llama_4_scaling_beta as the temperature scale.
constexpr HfName kHfNames[] = {{"ministral3", "Ministral3ForCausalLM"},
                               {"mistral3", "Mistral3ForConditionalGeneration"}};

constexpr HfKey kHfKeys[] = {
    {.hf = "mscale_all_dim",
     .gguf = "rope.scaling.yarn_log_multiplier",
     .type = HfKey::kF32,
     .need = HfNeed::kOptional,
     .in_rope = true},
    {.hf = "llama_4_scaling_beta",
     .gguf = "attention.temperature_scale",
     .type = HfKey::kF32,
     .need = HfNeed::kOptional,
     .in_rope = true},
};

constexpr HfConversion kHf{.names = kHfNames,
                           .layer = kHfLlamaLayer,
                           .keys = kHfKeys,
                           .rope_types = kHfRopeLinear | kHfRopeYarn,
                           .always_key_length = true};

}  // namespace

extern const Family kMistral3Family{
    .arch = "mistral3",
    .read_config = ReadConfig,
    .tensors = Tensors,
    .layer = SwiGluLayer,
    .rope_keys =
        RopeFamilyKeys{.freqs_or_longrope = true, .yarn_beta = true, .yarn_log_multiplier = true},
    .own_keys = kOwnKeys,
    .hf = &kHf};

}  // namespace inferno
