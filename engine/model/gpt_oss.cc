// gpt-oss (OpenAI's open-weight MoE; llama.cpp's LLM_ARCH_OPENAI_MOE, src/models/openai-moe.cpp).
//
//   x += Wo · attention(rope(Wq·n + bq), rope(Wk·n + bk), Wv·n + bv; sinks) + bo,  n = rmsnorm(x)
//   x += moe(rmsnorm(x))
//
// Attention: NeoX RoPE (YaRN in the released models, from rope.scaling.*), a learned sink
// logit per head in every softmax, and sliding-window attention on the even layers (pattern
// 2: sliding, full, sliding, ...) with the file's window. The tensor the file calls
// post_attention_norm is the norm *before* the feed-forward (there is no ffn_norm), not a
// sandwich norm after attention as in Gemma. Feed-forward: a router with a bias, the top-k
// experts weighted by a softmax over the chosen k, and clamped SwiGLU ("swiglu_oai") experts
// with biases.
#include "engine/model/forward.h"
#include "engine/model/moe.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  c.rope_neox = true;
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "expert_feed_forward_length", &c.n_ff_exp));
  if (c.n_expert == 0 || c.n_expert_used == 0 || c.n_expert_used > c.n_expert) {
    return Status::Corruption(f.path() + ": metadata '" + p + "expert_count' " +
                              std::to_string(c.n_expert) + " / 'expert_used_count' " +
                              std::to_string(c.n_expert_used) +
                              ": gpt-oss needs 1 <= used <= count");
  }
  // Required, as in llama.cpp: every other layer slides over this many positions.
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "attention.sliding_window", &c.sliding_window));
  // Every other layer slides (the even ones), unless the file gives another period.
  return ReadSlidingPattern(f, /*default_period=*/2, c);
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    b.Vector(LayerTensor(l, "attn_norm.weight"), c.n_embd, &L.attn_norm);
    DeclareAttention(b, c, l, L, Need::kRequired);
    b.Vector(LayerTensor(l, "attn_output.bias"), c.n_embd, &L.bo);
    b.Vector(LayerTensor(l, "attn_sinks.weight"), c.n_head, &L.attn_sinks);
    // The pre-feed-forward norm, whatever its name says (see the top of this file).
    b.Vector(LayerTensor(l, "post_attention_norm.weight"), c.n_embd, &L.ffn_norm);
    DeclareMoe(b, c, l, L.moe, /*biases=*/Need::kRequired);
  }
}

void Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  StandardAttention(ctx, ConfigRope(ctx), c.layer_is_sliding[ctx.layer] ? c.sliding_window : 0);
  MoeParams moe;
  moe.n_expert = c.n_expert;
  moe.n_expert_used = c.n_expert_used;
  moe.gating = MoeGating::kSoftmaxWeight;
  moe.activation = MoeActivation::kSwiGluOai;  // alpha 1.702, limit 7 as llama.cpp
  // The norm before it is post_attention_norm, bound as ffn_norm (see the top of the file).
  MoeFfnSubBlock(ctx, moe);
}

// Hugging Face: OpenAI's checkpoints store the experts as MXFP4 blocks and scales
// (mlp.experts.*_blocks / *_scales), BF16 re-releases as fused gate_up_proj tensors with gate
// and up interleaved; neither is converted yet, and both are refused with that reason.
constexpr HfName kHfNames[] = {{"gpt_oss", "GptOssForCausalLM"}};

constexpr HfRefused kHfRefused[] = {
    {"mlp.experts.",
     "gpt-oss experts (MXFP4 blocks/scales or fused interleaved gate_up_proj) are not "
     "converted yet; convert with llama.cpp's convert_hf_to_gguf.py"}};

constexpr HfConversion kHf{.names = kHfNames, .layer = {}, .refused = kHfRefused};

}  // namespace

extern const Family kGptOssFamily{
    .arch = "gpt-oss", .read_config = ReadConfig, .tensors = Tensors, .layer = Layer, .hf = &kHf};

}  // namespace inferno
