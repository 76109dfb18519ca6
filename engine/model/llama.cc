// Llama family block (Llama 2/3.x, Mistral, TinyLlama, DeepSeek-R1-Distill-Llama) and Qwen2,
// which is the same block with biases on Q, K and V and NeoX-style RoPE (set in the config).
//
//   x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n)   with n = rmsnorm(x)
//   x += Wdown · (silu(Wgate·n) * Wup·n)                with n = rmsnorm(x)
#include <cmath>

#include "engine/model/forward.h"

namespace inferno {

void LlamaLayer(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;

  // Attention.
  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.wq, s.q.data()}, {&w.wk, s.k.data()}, {&w.wv, s.v.data()}});
  if (!w.bq.empty()) {
    blocks::AddBias(s.q.data(), w.bq.data(), T, w.wq.rows);
    blocks::AddBias(s.k.data(), w.bk.data(), T, w.wk.rows);
    blocks::AddBias(s.v.data(), w.bv.data(), T, w.wv.rows);
  }
  blocks::RopeParams rope{c.rope_dim, c.rope_freq_base, c.rope_freq_scale, c.rope_neox,
                          ctx.rope_freqs.empty() ? nullptr : ctx.rope_freqs.data()};
  blocks::Rope(s.q.data(), T, c.n_head, c.head_dim, ctx.positions, rope);
  blocks::Rope(s.k.data(), T, c.n_head_kv, c.head_dim, ctx.positions, rope);
  blocks::AttentionParams ap{
      c.n_head, c.n_head_kv, c.head_dim, c.head_dim_v, 1.0f / std::sqrt(float(c.head_dim)), 0};
  blocks::Attention(pool, ap, s.q.data(), s.k.data(), s.v.data(), T, ctx.positions, ctx.caches,
                    ctx.layer, s.attn.data(), s.attention, AttentionWeightRows(ctx));
  ops::MatMul(pool, w.wo, s.attn.data(), T, s.proj.data(), s.act_mid);
  blocks::Add(s.x.data(), s.proj.data(), T * D);

  // Feed-forward (SwiGLU).
  blocks::RmsNorm(s.x.data(), w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.w_gate, s.gate.data()}, {&w.w_up, s.up.data()}});
  // Elementwise: split over the pool (for decode, n_ff exps would be a serial stretch).
  pool.ParallelFor(
      T * c.n_ff,
      [&](int64_t b, int64_t e) {
        blocks::SwiGlu(s.gate.data() + b, s.up.data() + b, s.hidden.data() + b, e - b);
      },
      /*align=*/64);
  ops::MatMul(pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  blocks::Add(s.x.data(), s.proj.data(), T * D);
}

}  // namespace inferno
