// Qwen3.5 (dense): a hybrid of linear and full attention. Every full_attention_interval-th
// layer (default 4) attends over the KV cache; the others are Gated DeltaNet layers with a
// recurrent state per sequence (engine/model/delta_net.h). Every layer then has a SwiGLU FFN.
//
//   linear:    x += DeltaNet(rmsnorm(x))
//   attention: x += Wo · (attention(rope(qnorm(q)), rope(knorm(Wk·n)), Wv·n) * sigmoid(gate))
//              with q | gate = Wq·n interleaved per head, n = rmsnorm(x)
//   then       x += Wdown · (silu(Wgate·m) * Wup·m)   with m = rmsnorm(x) (post_attention_norm)
//
// RoPE is llama.cpp's interleaved M-RoPE over the first rope.dimension_count dims of each head;
// for text every section sees the same position, which makes it NeoX RoPE, as long as the
// sections cover every rotated pair (the released models' 11, 11, 10 of 32 do).
#include <cmath>
#include <string>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

constexpr DefaultKey kRefused[] = {
    {"nextn_predict_layers", 0},  // multi-token prediction blocks beyond the trunk
    {"ssm.dt_b_c_rms", 0},
    {"attention.recurrent_layers", 0},  // an explicit layer list instead of the interval
};

Status ReadDeltaNetDims(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  DeltaNetDims& d = c.delta_net;
  int inner = 0;
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "ssm.conv_kernel", &d.conv_kernel, 64));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "ssm.state_size", &d.head_dim, 4096));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "ssm.group_count", &d.n_k_heads, 4096));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "ssm.time_step_rank", &d.n_v_heads, 4096));
  INFERNO_RETURN_IF_ERROR(ReadDim(f, p + "ssm.inner_size", &inner));
  if (d.n_v_heads % d.n_k_heads != 0) {
    return Status::Corruption(f.path() + ": metadata '" + p + "ssm.time_step_rank' " +
                              std::to_string(d.n_v_heads) + " is not a multiple of " +
                              "ssm.group_count " + std::to_string(d.n_k_heads));
  }
  if (int64_t{inner} != d.value_dim()) {
    return Status::Corruption(f.path() + ": metadata '" + p + "ssm.inner_size' " +
                              std::to_string(inner) + " must be ssm.state_size x " +
                              "ssm.time_step_rank = " + std::to_string(d.value_dim()));
  }
  return Status::Ok();
}

// The M-RoPE sections must give every rotated pair a text position (llama.cpp's IMROPE
// assigns pair i's sector i % sum to time, height or width in turn while that section lasts;
// a pair left to the fourth section would not rotate at all for text).
Status CheckRopeSections(const gguf::File& f, const ModelConfig& c) {
  const std::string key = c.arch_name + ".rope.dimension_sections";
  Result<std::vector<int64_t>> s = f.GetIntArray(key);
  if (!s.ok()) return s.status();
  if (s->size() < 3) return Status::Corruption(f.path() + ": metadata '" + key + "' too short");
  int64_t sum = 0;
  for (int64_t v : *s) sum += std::max<int64_t>(v, 0);
  for (int pair = 0; pair < c.rope_dim / 2; ++pair) {
    const int64_t sector = sum > 0 ? pair % sum : 0;
    const bool text = sector < 3 * (*s)[sector % 3];
    if (!text) {
      return Status::Unsupported(f.path() + ": metadata '" + key + "' leaves rotated pair " +
                                 std::to_string(pair) +
                                 " to the extra (vision) section, which is not implemented");
    }
  }
  return Status::Ok();
}

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  c.rope_neox = true;
  INFERNO_RETURN_IF_ERROR(CheckDefaults(f, c, kRefused));
  if (c.n_expert != 0) {
    return Status::Unsupported(f.path() + ": metadata '" + p +
                               "expert_count': qwen35 is dense (experts are qwen35moe)");
  }
  if (c.head_dim_v != c.head_dim) {
    return Status::Corruption(f.path() + ": metadata '" + p +
                              "attention.value_length' must equal attention.key_length");
  }
  INFERNO_RETURN_IF_ERROR(CheckRopeSections(f, c));
  INFERNO_RETURN_IF_ERROR(ReadDeltaNetDims(f, c));
  int interval = 4;  // llama.cpp's default when the key is absent
  INFERNO_RETURN_IF_ERROR(ReadOptionalDim(f, p + "full_attention_interval", 4, &interval));
  for (int l = 0; l < c.n_layer; ++l) c.layer_is_recurrent[l] = (l + 1) % interval != 0;
  return Status::Ok();
}

void DeclareGatedAttention(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L) {
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_head_kv} * c.head_dim;
  b.Matrix(LayerTensor(l, "attn_q.weight"), c.n_embd, 2 * q_dim, &L.wq);  // query | gate
  b.Matrix(LayerTensor(l, "attn_k.weight"), c.n_embd, kv_dim, &L.wk);
  b.Matrix(LayerTensor(l, "attn_v.weight"), c.n_embd, kv_dim, &L.wv);
  b.Matrix(LayerTensor(l, "attn_output.weight"), q_dim, c.n_embd, &L.wo);
  DeclareQkNorm(b, c, l, L);
}

void DeclareDeltaNet(TensorBinder& b, const ModelConfig& c, int l, DeltaNetWeights& w) {
  const DeltaNetDims& d = c.delta_net;
  b.Matrix(LayerTensor(l, "attn_qkv.weight"), c.n_embd, d.conv_dim(), &w.qkv);
  b.Matrix(LayerTensor(l, "attn_gate.weight"), c.n_embd, d.value_dim(), &w.gate);
  b.Matrix(LayerTensor(l, "ssm_alpha.weight"), c.n_embd, d.n_v_heads, &w.alpha);
  b.Matrix(LayerTensor(l, "ssm_beta.weight"), c.n_embd, d.n_v_heads, &w.beta);
  b.Matrix(LayerTensor(l, "ssm_out.weight"), d.value_dim(), c.n_embd, &w.out);
  b.Vector(LayerTensor(l, "ssm_conv1d.weight"), {d.conv_kernel, d.conv_dim()}, &w.conv);
  b.Vector(LayerTensor(l, "ssm_dt.bias"), d.n_v_heads, &w.dt_bias);
  b.Vector(LayerTensor(l, "ssm_a"), d.n_v_heads, &w.a);
  b.Vector(LayerTensor(l, "ssm_norm.weight"), d.head_dim, &w.norm);
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    b.Vector(LayerTensor(l, "attn_norm.weight"), c.n_embd, &L.attn_norm);
    // The FFN's input norm, named after where it sits: right after the token mixer.
    b.Vector(LayerTensor(l, "post_attention_norm.weight"), c.n_embd, &L.ffn_norm);
    if (c.layer_is_recurrent[l]) {
      DeclareDeltaNet(b, c, l, L.delta_net);
    } else {
      DeclareGatedAttention(b, c, l, L);
    }
    b.Matrix(LayerTensor(l, "ffn_gate.weight"), c.n_embd, c.n_ff, &L.w_gate);
    b.Matrix(LayerTensor(l, "ffn_up.weight"), c.n_embd, c.n_ff, &L.w_up);
    b.Matrix(LayerTensor(l, "ffn_down.weight"), c.n_ff, c.n_embd, &L.w_down);
  }
}

// Attention whose output is gated per element by sigmoid of the query's twin half.
void GatedAttention(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  const int hd = c.head_dim;
  const int64_t q_dim = int64_t{c.n_head} * hd;
  if (s.qkv.size() < size_t(T * 2 * q_dim)) s.qkv.resize(size_t(T * 2 * q_dim));
  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, c.n_embd, c.norm_eps);
  MatMulShared(ctx.pool, s.act_in, s.xb.data(), T, c.n_embd,
               {{&w.wq, s.qkv.data()}, {&w.wk, s.k.data()}, {&w.wv, s.v.data()}});
  for (int64_t t = 0; t < T; ++t) {
    for (int h = 0; h < c.n_head; ++h) {
      const float* src = s.qkv.data() + (t * c.n_head + h) * 2 * hd;
      std::copy(src, src + hd, s.q.data() + (t * c.n_head + h) * hd);
    }
  }
  blocks::RmsNorm(s.q.data(), w.q_norm.data(), s.q.data(), T * c.n_head, hd, c.norm_eps);
  blocks::RmsNorm(s.k.data(), w.k_norm.data(), s.k.data(), T * c.n_head_kv, hd, c.norm_eps);
  Attend(ctx, ConfigRope(ctx), /*window=*/0);
  for (int64_t t = 0; t < T; ++t) {
    for (int h = 0; h < c.n_head; ++h) {
      const float* gate = s.qkv.data() + (t * c.n_head + h) * 2 * hd + hd;
      float* out = s.attn.data() + (t * c.n_head + h) * hd;
      for (int i = 0; i < hd; ++i) out[i] *= 1.0f / (1.0f + std::exp(-gate[i]));
    }
  }
  ProjectAttention(ctx);
}

void Layer(LayerContext& ctx) {
  if (ctx.config.layer_is_recurrent[ctx.layer]) {
    blocks::RmsNorm(ctx.s.x.data(), ctx.w.attn_norm.data(), ctx.s.xb.data(), ctx.n_tokens,
                    ctx.config.n_embd, ctx.config.norm_eps);
    DeltaNetMix(ctx, ctx.config.delta_net, ctx.w.delta_net);
    AddToResidual(ctx, /*post_norm=*/{});
  } else {
    GatedAttention(ctx);
  }
  GatedFfn(ctx, GatedAct::kSilu);
}

}  // namespace

// No Hugging Face conversion yet (hf null): its checkpoints are refused by `inferno convert`.
extern const Family kQwen35Family{
    .arch = "qwen35", .read_config = ReadConfig, .tensors = Tensors, .layer = Layer};

}  // namespace inferno
