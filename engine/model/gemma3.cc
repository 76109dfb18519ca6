// Gemma 3 block: embeddings scaled by sqrt(n_embd) (in Forward), per-head RMSNorm on Q and
// K, "sandwich" norms after attention and after the feed-forward, GELU-gated FFN, and
// sliding-window attention on local layers (5 of every 6) with their own RoPE base.
//
//   x += postnorm(Wo · attention(rope(qnorm(Wq·n)) * scale, rope(knorm(Wk·n)), Wv·n))
//   x += postnorm(Wdown · (gelu(Wgate·n) * Wup·n))
#include <cmath>

#include "engine/model/forward.h"

namespace inferno {

void Gemma3Layer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;
  const bool sliding = c.layer_is_sliding[ctx.layer];

  // Attention.
  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.wq, s.q.data()}, {&w.wk, s.k.data()}, {&w.wv, s.v.data()}});
  // Per-head norms: each head is one row of head_dim.
  blocks::RmsNorm(s.q.data(), w.q_norm.data(), s.q.data(), T * c.n_head, c.head_dim, c.norm_eps);
  blocks::RmsNorm(s.k.data(), w.k_norm.data(), s.k.data(), T * c.n_head_kv, c.head_dim, c.norm_eps);
  blocks::RopeParams rope{c.rope_dim, sliding ? c.rope_freq_base_sliding : c.rope_freq_base,
                          sliding ? 1.0f : c.rope_freq_scale, /*neox=*/true, nullptr};
  blocks::Rope(s.q.data(), T, c.n_head, c.head_dim, ctx.positions, rope);
  blocks::Rope(s.k.data(), T, c.n_head_kv, c.head_dim, ctx.positions, rope);
  // Gemma scales the queries before the product (not the scores); 27B uses n_embd/n_head.
  const float q_scale =
      c.n_layer == 62 ? 1.0f / std::sqrt(float(D / c.n_head)) : 1.0f / std::sqrt(float(c.head_dim));
  for (int64_t i = 0; i < T * c.n_head * c.head_dim; ++i) s.q[i] *= q_scale;
  blocks::AttentionParams ap{c.n_head,     c.n_head_kv, c.head_dim,
                             c.head_dim_v, 1.0f,        sliding ? c.sliding_window : 0};
  blocks::Attention(pool, ap, s.q.data(), s.k.data(), s.v.data(), T, ctx.positions, ctx.caches,
                    ctx.layer, s.attn.data(), s.attention, AttentionWeightRows(ctx));
  ops::MatMul(pool, w.wo, s.attn.data(), T, s.proj.data(), s.act_mid);
  blocks::RmsNorm(s.proj.data(), w.post_attn_norm.data(), s.proj.data(), T, D, c.norm_eps);
  blocks::Add(s.x.data(), s.proj.data(), T * D);

  // Feed-forward (GeGLU).
  blocks::RmsNorm(s.x.data(), w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.w_gate, s.gate.data()}, {&w.w_up, s.up.data()}});
  // Elementwise: split over the pool (for decode, n_ff exps would be a serial stretch).
  pool.ParallelFor(
      T * c.n_ff,
      [&](int64_t b, int64_t e) {
        blocks::GeGlu(s.gate.data() + b, s.up.data() + b, s.hidden.data() + b, e - b);
      },
      /*align=*/64);
  ops::MatMul(pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  blocks::RmsNorm(s.proj.data(), w.post_ffn_norm.data(), s.proj.data(), T, D, c.norm_eps);
  blocks::Add(s.x.data(), s.proj.data(), T * D);
}

}  // namespace inferno
