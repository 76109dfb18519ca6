// Phi-3 block: one fused QKV projection and one fused gate|up projection, NeoX RoPE, and
// queries scaled before the attention product.
//
//   q|k|v = Wqkv · rmsnorm(x);  x += Wo · attention(rope(q) * scale, rope(k), v)
//   g|u = Wup · rmsnorm(x);     x += Wdown · (silu(g) * u)
#include <cmath>

#include "engine/model/forward.h"

namespace inferno {

void Phi3Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t k_dim = int64_t{c.n_head_kv} * c.head_dim;
  const int64_t v_dim = int64_t{c.n_head_kv} * c.head_dim_v;
  const int64_t qkv_dim = q_dim + k_dim + v_dim;

  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  ops::MatMul(pool, w.wqkv, s.xb.data(), T, s.qkv.data(), s.act_in);
  const float q_scale = 1.0f / std::sqrt(float(c.head_dim));
  for (int64_t t = 0; t < T; ++t) {
    const float* row = s.qkv.data() + t * qkv_dim;
    for (int64_t i = 0; i < q_dim; ++i) s.q[t * q_dim + i] = row[i];
    for (int64_t i = 0; i < k_dim; ++i) s.k[t * k_dim + i] = row[q_dim + i];
    for (int64_t i = 0; i < v_dim; ++i) s.v[t * v_dim + i] = row[q_dim + k_dim + i];
  }
  blocks::RopeParams rope{c.rope_dim, c.rope_freq_base, c.rope_freq_scale, /*neox=*/true, nullptr};
  blocks::Rope(s.q.data(), T, c.n_head, c.head_dim, ctx.positions, rope);
  blocks::Rope(s.k.data(), T, c.n_head_kv, c.head_dim, ctx.positions, rope);
  for (int64_t i = 0; i < T * q_dim; ++i) s.q[i] *= q_scale;
  blocks::AttentionParams ap{c.n_head, c.n_head_kv, c.head_dim, c.head_dim_v, 1.0f, 0};
  blocks::Attention(pool, ap, s.q.data(), s.k.data(), s.v.data(), T, ctx.positions, ctx.caches,
                    ctx.layer, s.attn.data(), s.attention, AttentionWeightRows(ctx));
  ops::MatMul(pool, w.wo, s.attn.data(), T, s.proj.data(), s.act_mid);
  blocks::Add(s.x.data(), s.proj.data(), T * D);

  blocks::RmsNorm(s.x.data(), w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  ops::MatMul(pool, w.w_up, s.xb.data(), T, s.up.data(), s.act_in);
  const int64_t F = c.n_ff;
  for (int64_t t = 0; t < T; ++t) {
    blocks::SwiGlu(s.up.data() + t * 2 * F, s.up.data() + t * 2 * F + F, s.hidden.data() + t * F,
                   F);
  }
  ops::MatMul(pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  blocks::Add(s.x.data(), s.proj.data(), T * D);
}

}  // namespace inferno
