// BERT sentence encoders (BGE, MiniLM, all-MiniLM-style): an embedding-only family. The input is
// the sum of the token, token-type (always type 0, "sentence A") and learned absolute position
// embeddings, layer-normed; then per layer, post-norm:
//
//   x = LayerNorm(x + Wo · attention(Wq·x + bq, Wk·x + bk, Wv·x + bv) + bo)
//   x = LayerNorm(x + Wdown · gelu(Wup·x + bup) + bdown)
//
// Attention is bidirectional (`bert.attention.causal` false, as the converter writes it) and
// has no RoPE. There is no output head: the last hidden states are pooled into embeddings.
#include <string>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"
#include "engine/tensor/dequant.h"

namespace inferno {
namespace {

constexpr std::string_view kOwnKeys[] = {"attention.causal"};

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  const std::string p = c.arch_name + ".";
  Result<double> eps = f.GetFloat(p + "attention.layer_norm_epsilon");
  if (!eps.ok()) return eps.status();
  c.norm_eps = float(*eps);
  Result<bool> causal = f.GetBoolOr(p + "attention.causal", true);  // llama.cpp's default
  if (!causal.ok()) return causal.status();
  c.causal_attention = *causal;
  c.has_lm_head = false;
  c.rope_dim = 0;
  // llama.cpp refuses a BERT file without it (token_types has that many rows).
  return ReadDim(f, "tokenizer.ggml.token_type_count", &c.n_token_types, 1024);
}

void DeclareLayer(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L) {
  b.Refuse(LayerTensor(l, "attn_qkv.weight"),
           "a fused Q/K/V projection, which Inferno reads only as separate attn_q/k/v");
  DeclareAttention(b, c, l, L);
  b.Vector(LayerTensor(l, "attn_output.bias"), c.n_embd, &L.bo, Need::kOptional);
  b.Vector(LayerTensor(l, "attn_output_norm.weight"), c.n_embd, &L.attn_out_norm);
  b.Vector(LayerTensor(l, "attn_output_norm.bias"), c.n_embd, &L.attn_out_norm_b);
  b.Refuse(LayerTensor(l, "ffn_up_exps.weight"), "mixture-of-experts layers (nomic-bert-moe)");
  b.Matrix(LayerTensor(l, "ffn_up.weight"), c.n_embd, c.n_ff, &L.w_up);
  b.Vector(LayerTensor(l, "ffn_up.bias"), c.n_ff, &L.b_up, Need::kOptional);
  b.Matrix(LayerTensor(l, "ffn_down.weight"), c.n_ff, c.n_embd, &L.w_down);
  b.Vector(LayerTensor(l, "ffn_down.bias"), c.n_embd, &L.b_down, Need::kOptional);
  b.Vector(LayerTensor(l, "layer_output_norm.weight"), c.n_embd, &L.layer_out_norm);
  b.Vector(LayerTensor(l, "layer_output_norm.bias"), c.n_embd, &L.layer_out_norm_b);
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  b.Matrix("token_embd.weight", c.n_embd, c.n_vocab, &w.token_embd);
  b.Matrix("token_types.weight", c.n_embd, c.n_token_types, &w.token_types, Need::kOptional);
  b.Matrix("position_embd.weight", c.n_embd, c.n_ctx_train, &w.position_embd);
  b.Vector("token_embd_norm.weight", c.n_embd, &w.token_embd_norm);
  b.Vector("token_embd_norm.bias", c.n_embd, &w.token_embd_norm_b);
  for (const char* head : {"cls.weight", "cls.output.weight"}) {
    b.Refuse(head, "a classification head (reranking), which is not implemented");
  }
  for (int l = 0; l < c.n_layer; ++l) DeclareLayer(b, c, l, w.layers[l]);
}

// Adds row `index` of a matrix read by rows (any type) to x[n].
void AddRow(const ops::WeightMatrix& m, int64_t index, float* row, float* x, int64_t n) {
  DequantizeRow(m.type, static_cast<const uint8_t*>(m.data) + size_t(index) * m.row_bytes, row, n);
  blocks::Add(x, row, n);
}

void FinishEmbedding(const ModelConfig& c, const Weights& w, std::span<const int32_t> positions,
                     float* x) {
  const int64_t D = c.n_embd;
  std::vector<float> row(D);
  for (size_t t = 0; t < positions.size(); ++t) {
    float* xt = x + int64_t(t) * D;
    if (w.token_types.data != nullptr) AddRow(w.token_types, 0, row.data(), xt, D);
    // Positions past the trained ones have no embedding; the runtime caps the context at
    // n_ctx_train for this family, so this is only a guard against reading out of bounds.
    if (positions[t] < w.position_embd.rows) {
      AddRow(w.position_embd, positions[t], row.data(), xt, D);
    }
  }
  blocks::LayerNorm(x, w.token_embd_norm.data(), w.token_embd_norm_b.data(), x,
                    int64_t(positions.size()), D, c.norm_eps);
}

void AddBiasIfAny(std::vector<float>& x, const std::vector<float>& bias, int64_t T) {
  if (!bias.empty()) blocks::AddBias(x.data(), bias.data(), T, int64_t(bias.size()));
}

// x = LayerNorm(x + s.proj) with the given norm.
void AddAndNorm(LayerContext& ctx, const std::vector<float>& weight,
                const std::vector<float>& bias) {
  ForwardState& s = ctx.s;
  const int64_t n = ctx.n_tokens * ctx.config.n_embd;
  blocks::Add(s.x.data(), s.proj.data(), n);
  blocks::LayerNorm(s.x.data(), weight.data(), bias.data(), s.x.data(), ctx.n_tokens,
                    ctx.config.n_embd, ctx.config.norm_eps);
}

void Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  MatMulShared(ctx.pool, s.act_in, s.x.data(), T, c.n_embd,
               {{&w.wq, s.q.data()}, {&w.wk, s.k.data()}, {&w.wv, s.v.data()}});
  AddBiasIfAny(s.q, w.bq, T);
  AddBiasIfAny(s.k, w.bk, T);
  AddBiasIfAny(s.v, w.bv, T);
  Attend(ctx, blocks::RopeParams{}, /*window=*/0);  // n_rot 0: no rotation
  ops::MatMul(ctx.pool, w.wo, s.attn.data(), T, s.proj.data(), s.act_mid);
  AddBiasIfAny(s.proj, w.bo, T);
  AddAndNorm(ctx, w.attn_out_norm, w.attn_out_norm_b);

  ops::MatMul(ctx.pool, w.w_up, s.x.data(), T, s.hidden.data(), s.act_in);
  AddBiasIfAny(s.hidden, w.b_up, T);
  ctx.pool.ParallelFor(
      T * c.n_ff, [&](int64_t b, int64_t e) { blocks::Gelu(s.hidden.data() + b, e - b); },
      /*align=*/64);
  ops::MatMul(ctx.pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  AddBiasIfAny(s.proj, w.b_down, T);
  AddAndNorm(ctx, w.layer_out_norm, w.layer_out_norm_b);
}

}  // namespace

extern const Family kBertFamily{.arch = "bert",
                                .read_config = ReadConfig,
                                .tensors = Tensors,
                                .layer = Layer,
                                .finish_embedding = FinishEmbedding,
                                .own_keys = kOwnKeys};

}  // namespace inferno
