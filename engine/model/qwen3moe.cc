// Qwen3-MoE (Qwen3-30B-A3B, Qwen3-235B-A22B): the Qwen3 attention block (per-head Q/K RMSNorm,
// NeoX RoPE, no biases) with a mixture-of-experts feed-forward in every layer.
//
//   x += Wo · attention(rope(qnorm(Wq·n)), rope(knorm(Wk·n)), Wv·n)   with n = rmsnorm(x)
//   x += sum over the k chosen experts e of w_e · Wdown_e · (silu(Wgate_e·n) * Wup_e·n)
//
// The router is a softmax over all experts; the k best are kept and their weights divided by
// their sum (llama.cpp: build_moe_ffn with SOFTMAX gating and norm_w).
#include <string>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  c.rope_neox = true;
  if (c.n_expert == 0) {
    return Status::Corruption(f.path() + ": metadata '" + p +
                              "expert_count' is missing: qwen3moe needs its experts");
  }
  if (c.n_expert_used < 1 || c.n_expert_used > c.n_expert) {
    return Status::Corruption(f.path() + ": metadata '" + p + "expert_used_count' " +
                              std::to_string(c.n_expert_used) + " must be 1.." +
                              std::to_string(c.n_expert) + " (expert_count)");
  }
  // As llama.cpp: without the per-expert width, the dense width split over the chosen experts.
  const int fallback = c.n_ff > 0 ? c.n_ff / c.n_expert_used : 0;
  INFERNO_RETURN_IF_ERROR(
      ReadOptionalDim(f, p + "expert_feed_forward_length", fallback, &c.n_ff_exp));
  if (c.n_ff_exp == 0) {
    return Status::Corruption(f.path() + ": metadata '" + p +
                              "expert_feed_forward_length' is missing");
  }
  return Status::Ok();
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    DeclareNorms(b, c, l, L);
    DeclareAttention(b, c, l, L, /*biases=*/Need::kOptional);
    DeclareQkNorm(b, c, l, L);
    DeclareMoe(b, c, l, L.moe);
  }
}

void Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  StandardAttention(ctx, ConfigRope(ctx), /*window=*/0);
  MoeParams moe;
  moe.n_expert = c.n_expert;
  moe.n_expert_used = c.n_expert_used;
  moe.gating = MoeGating::kSoftmax;
  moe.norm_weights = true;
  MoeFfnSubBlock(ctx, moe);
}

// Hugging Face: one router (mlp.gate) and one gate/up/down projection per expert, stacked
// into 3-D GGUF tensors. Checkpoints with dense layers between the sparse ones, or router
// weights that are not renormalised, compute something this family does not, and are refused.
constexpr HfName kHfNames[] = {{"qwen3_moe", "Qwen3MoeForCausalLM"}};

constexpr std::array<HfLayerTensor, 4> kHfMoe = {{
    {"ffn_gate_inp.weight", "mlp.gate.weight", HfDim::kExperts, HfDim::kEmbd},
    {.gguf = "ffn_gate_exps.weight",
     .hf = "mlp.experts.{e}.gate_proj.weight",
     .rows = HfDim::kFfExp,
     .cols = HfDim::kEmbd,
     .per_expert = true},
    {.gguf = "ffn_up_exps.weight",
     .hf = "mlp.experts.{e}.up_proj.weight",
     .rows = HfDim::kFfExp,
     .cols = HfDim::kEmbd,
     .per_expert = true},
    {.gguf = "ffn_down_exps.weight",
     .hf = "mlp.experts.{e}.down_proj.weight",
     .rows = HfDim::kEmbd,
     .cols = HfDim::kFfExp,
     .per_expert = true},
}};

constexpr auto kHfLayer =
    HfConcat(kHfAttnNorm, HfQkv(HfTransform::kCopy, HfTransform::kCopy),
             HfQkvBiases(HfTransform::kCopy, HfTransform::kCopy, HfNeed::kOptional), kHfAttnOutput,
             kHfQkNorm, kHfFfnNorm, kHfMoe);

constexpr HfKey kHfKeys[] = {
    {"num_experts", "expert_count"},
    {"num_experts_per_tok", "expert_used_count"},
    {"moe_intermediate_size", "expert_feed_forward_length"},
};

constexpr HfFixedKey kHfFixed[] = {
    {"decoder_sparse_step", "1"}, {"mlp_only_layers", "[]"}, {"norm_topk_prob", "true"}};

constexpr HfConversion kHf{.names = kHfNames,
                           .layer = kHfLayer,
                           .keys = kHfKeys,
                           .fixed = kHfFixed,
                           .rope_types = kHfRopeLinear | kHfRopeYarn,
                           .always_key_length = true};

}  // namespace

extern const Family kQwen3MoeFamily{
    .arch = "qwen3moe", .read_config = ReadConfig, .tensors = Tensors, .layer = Layer, .hf = &kHf};

}  // namespace inferno
