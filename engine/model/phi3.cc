// Phi-3 / Phi-3.5 / Phi-4-mini: one fused QKV projection and one fused gate|up projection,
// NeoX RoPE, and queries scaled before the attention product. The 128k-context models use
// LongRoPE: per-pair divisors rope_factors_long/short.weight (long when the context is longer
// than rope.scaling.original_context_length) and cos/sin scaled by rope.scaling.attn_factor.
//
//   q|k|v = Wqkv · rmsnorm(x);  x += Wo · attention(rope(q) * scale, rope(k), v)
//   g|u = Wup · rmsnorm(x);     x += Wdown · (silu(g) * u)

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File&, ModelConfig& c) {
  c.rope_neox = true;
  c.scale_queries = true;
  return Status::Ok();
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  const int64_t qkv_dim = int64_t{c.n_head} * c.head_dim + int64_t{c.n_head_kv} * c.head_dim +
                          int64_t{c.n_head_kv} * c.head_dim_v;
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    b.Vector(LayerTensor(l, "attn_norm.weight"), c.n_embd, &L.attn_norm);
    b.Vector(LayerTensor(l, "ffn_norm.weight"), c.n_embd, &L.ffn_norm);
    b.Matrix(LayerTensor(l, "attn_qkv.weight"), c.n_embd, qkv_dim, &L.wqkv);
    b.Matrix(LayerTensor(l, "attn_output.weight"), int64_t{c.n_head} * c.head_dim_v, c.n_embd,
             &L.wo);
    b.Matrix(LayerTensor(l, "ffn_up.weight"), c.n_embd, 2 * int64_t{c.n_ff}, &L.w_up);
    b.Matrix(LayerTensor(l, "ffn_down.weight"), c.n_ff, c.n_embd, &L.w_down);
  }
}

// Splits the fused projection of each token into s.q, s.k, s.v.
void SplitQkv(const ModelConfig& c, ForwardState& s, int64_t T) {
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t k_dim = int64_t{c.n_head_kv} * c.head_dim;
  const int64_t v_dim = int64_t{c.n_head_kv} * c.head_dim_v;
  for (int64_t t = 0; t < T; ++t) {
    const float* row = s.qkv.data() + t * (q_dim + k_dim + v_dim);
    std::copy(row, row + q_dim, s.q.data() + t * q_dim);
    std::copy(row + q_dim, row + q_dim + k_dim, s.k.data() + t * k_dim);
    std::copy(row + q_dim + k_dim, row + q_dim + k_dim + v_dim, s.v.data() + t * v_dim);
  }
}

void Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;

  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  // Sized on the first call only (the buffer keeps its size for the next batches).
  if (s.qkv.size() < size_t(s.max_tokens * w.wqkv.rows)) s.qkv.resize(s.max_tokens * w.wqkv.rows);
  ops::MatMul(pool, w.wqkv, s.xb.data(), T, s.qkv.data(), s.act_in);
  SplitQkv(c, s, T);
  // The queries are scaled by 1/sqrt(head_dim) before the product (config.scale_queries).
  AttendAndProject(ctx, ConfigRope(ctx), /*window=*/0);

  blocks::RmsNorm(s.x.data(), w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  ops::MatMul(pool, w.w_up, s.xb.data(), T, s.up.data(), s.act_in);
  const int64_t F = c.n_ff;
  for (int64_t t = 0; t < T; ++t) {
    blocks::SwiGlu(s.up.data() + t * 2 * F, s.up.data() + t * 2 * F + F, s.hidden.data() + t * F,
                   F);
  }
  ops::MatMul(pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  AddToResidual(ctx, w.post_ffn_norm);
}

constexpr HfName kHfNames[] = {{"phi3", "Phi3ForCausalLM"}};

// Q/K/V and gate/up are fused as GGUF wants them; checkpoints that store them separately are
// concatenated in this order.
constexpr HfPart kHfQkvParts[] = {{"self_attn.q_proj.weight", HfDim::kQ},
                                  {"self_attn.k_proj.weight", HfDim::kKv},
                                  {"self_attn.v_proj.weight", HfDim::kKv}};
constexpr HfPart kHfGateUpParts[] = {{"mlp.gate_proj.weight", HfDim::kFf},
                                     {"mlp.up_proj.weight", HfDim::kFf}};
constexpr std::array<HfLayerTensor, 1> kHfQkv = {
    {{"attn_qkv.weight", "self_attn.qkv_proj.weight", HfDim::kQkv, HfDim::kEmbd, HfTransform::kCopy,
      HfNeed::kRequired, kHfQkvParts}}};
constexpr std::array<HfLayerTensor, 2> kHfFfn = {
    {{"ffn_up.weight", "mlp.gate_up_proj.weight", HfDim::kFf2, HfDim::kEmbd, HfTransform::kCopy,
      HfNeed::kRequired, kHfGateUpParts},
     {"ffn_down.weight", "mlp.down_proj.weight", HfDim::kEmbd, HfDim::kFf}}};
constexpr auto kHfLayer = HfConcat(kHfAttnNorm, kHfQkv, kHfAttnOutput, kHfFfnNorm, kHfFfn);

constexpr HfConversion kHf{.names = kHfNames, .layer = kHfLayer, .default_eps = 1e-5};

}  // namespace

extern const Family kPhi3Family{.arch = "phi3",
                                .read_config = ReadConfig,
                                .tensors = Tensors,
                                .layer = Layer,
                                .rope_keys = RopeFamilyKeys{.long_short = true},
                                .hf = &kHf};

}  // namespace inferno
