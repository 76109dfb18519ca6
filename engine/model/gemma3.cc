// Gemma 3: embeddings scaled by sqrt(n_embd), per-head RMSNorm on Q and K, "sandwich" norms
// after attention and after the feed-forward, GELU-gated FFN, and sliding-window attention on
// local layers (5 of every 6 unless the file says otherwise) with their own RoPE base.
//
//   x += postnorm(Wo · attention(rope(qnorm(Wq·n)) * scale, rope(knorm(Wk·n)), Wv·n))
//   x += postnorm(Wdown · (gelu(Wgate·n) * Wup·n))
#include <cmath>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  c.rope_neox = true;
  c.embedding_scale = std::sqrt(float(c.n_embd));
  c.scale_queries = true;
  // The file does not carry HF's query_pre_attn_scalar. It is n_embd / n_head for the 27B
  // model (62 layers) and head_dim for the others; llama.cpp tells them apart by the layer
  // count, and so do we, for the same files.
  if (c.n_layer == 62) c.attention_scale = 1.0f / std::sqrt(float(c.n_embd / c.n_head));
  // Without a window every layer attends to the whole context, as in llama.cpp.
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "attention.sliding_window", 0, &c.sliding_window));
  if (c.sliding_window == 0) return Status::Ok();
  // Every 6th layer (or the file's period) is global, the others slide; local layers use RoPE
  // base 10000 (or the file's rope.freq_base_swa, read with the other rope keys) unscaled.
  return ReadSlidingPattern(f, /*default_period=*/6, c);
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    DeclareNormsAndGatedFfn(b, c, l, L);
    DeclareAttention(b, c, l, L);
    DeclareQkNorm(b, c, l, L);
    b.Vector(LayerTensor(l, "post_attention_norm.weight"), c.n_embd, &L.post_attn_norm);
    b.Vector(LayerTensor(l, "post_ffw_norm.weight"), c.n_embd, &L.post_ffn_norm);
  }
}

void Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const bool sliding = c.layer_is_sliding[ctx.layer];
  blocks::RopeParams rope = ConfigRope(ctx);
  if (sliding) {
    rope.freq_base = c.rope.freq_base_swa;
    rope.freq_scale = 1.0f;
  }
  StandardAttention(ctx, rope, sliding ? c.sliding_window : 0);
  GatedFfn(ctx, GatedAct::kGeluTanh);
}

constexpr HfName kHfNames[] = {{"gemma3_text", "Gemma3ForCausalLM"},
                               {"gemma3", "Gemma3ForConditionalGeneration"}};

// Every norm is stored as w for a factor of 1 + w (kAddOne), the one before the feed-forward
// is pre_feedforward_layernorm and there are two more after attention and feed-forward.
constexpr HfTransform kNorm = HfTransform::kAddOne;
constexpr std::array<HfLayerTensor, 1> kHfNormBefore = {
    {{"attn_norm.weight", "input_layernorm.weight", HfDim::kEmbd, std::nullopt, kNorm}}};
constexpr std::array<HfLayerTensor, 5> kHfNormsAfter = {{
    {"attn_q_norm.weight", "self_attn.q_norm.weight", HfDim::kHeadDim, std::nullopt, kNorm},
    {"attn_k_norm.weight", "self_attn.k_norm.weight", HfDim::kHeadDim, std::nullopt, kNorm},
    {"post_attention_norm.weight", "post_attention_layernorm.weight", HfDim::kEmbd, std::nullopt,
     kNorm},
    {"ffn_norm.weight", "pre_feedforward_layernorm.weight", HfDim::kEmbd, std::nullopt, kNorm},
    {"post_ffw_norm.weight", "post_feedforward_layernorm.weight", HfDim::kEmbd, std::nullopt,
     kNorm},
}};
constexpr auto kHfLayer =
    HfConcat(kHfNormBefore, HfQkv(HfTransform::kCopy, HfTransform::kCopy),
             HfQkvBiases(HfTransform::kCopy, HfTransform::kCopy, HfNeed::kOptional), kHfAttnOutput,
             kHfNormsAfter, kHfGatedFfn);

constexpr HfKey kHfKeys[] = {{"sliding_window", "attention.sliding_window", HfKey::kU32, 4096}};

constexpr HfConversion kHf{.names = kHfNames,
                           .layer = kHfLayer,
                           .keys = kHfKeys,
                           .output_norm = kNorm,
                           .default_context = 131072,
                           .default_rope_theta = 1e6,
                           .default_tied = true,
                           .always_key_length = true};

}  // namespace

extern const Family kGemma3Family{.arch = "gemma3",
                                  .read_config = ReadConfig,
                                  .tensors = Tensors,
                                  .layer = Layer,
                                  .rope_keys = RopeFamilyKeys{.freq_base_swa = true},
                                  .hf = &kHf};

}  // namespace inferno
