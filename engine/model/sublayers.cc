// The attention and feed-forward sub-blocks most families are made of (see forward.h). A family
// whose layer differs (fused projections, mixture of experts, sinks) writes its own in its file.
#include <cmath>

#include "engine/model/forward.h"

namespace inferno {

blocks::RopeParams ConfigRope(const LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  return c.rope.Params(c.rope_dim, c.rope_neox, ctx.rope_factors);
}

const float* RopeFactorsFor(const ModelConfig& c, const Weights& w, int n_ctx) {
  switch (c.rope.factors) {
    case RopeFactorTensors::kNone:
      return nullptr;
    case RopeFactorTensors::kFreqs:
      return w.rope_freqs.data();
    case RopeFactorTensors::kLongShort:
      return c.rope.UseLongFactors(n_ctx) ? w.rope_long.data() : w.rope_short.data();
  }
  return nullptr;
}

namespace {

// The attention temperature of each token's queries, with llama.cpp's types (float position and
// quotient, the logarithm in double).
void ScaleQueriesByTemperature(const ModelConfig& c, const int32_t* positions, int64_t T,
                               float* q) {
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  for (int64_t t = 0; t < T; ++t) {
    const float pos = float(positions[t]);
    const double turns = std::floor(pos / float(c.attn_temp_floor));
    const float scale = float(std::log(turns + 1.0) * c.attn_temp_scale + 1.0);
    for (int64_t i = 0; i < q_dim; ++i) q[t * q_dim + i] *= scale;
  }
}

}  // namespace

void StandardAttention(LayerContext& ctx, const blocks::RopeParams& rope, int window) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;

  blocks::RmsNorm(s.x.data(), w.attn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.wq, s.q.data()}, {&w.wk, s.k.data()}, {&w.wv, s.v.data()}});
  if (!w.bq.empty()) blocks::AddBias(s.q.data(), w.bq.data(), T, w.wq.rows);
  if (!w.bk.empty()) blocks::AddBias(s.k.data(), w.bk.data(), T, w.wk.rows);
  if (!w.bv.empty()) blocks::AddBias(s.v.data(), w.bv.data(), T, w.wv.rows);
  if (!w.q_norm.empty()) {  // per-head norms: each head is one row of head_dim
    blocks::RmsNorm(s.q.data(), w.q_norm.data(), s.q.data(), T * c.n_head, c.head_dim, c.norm_eps);
    blocks::RmsNorm(s.k.data(), w.k_norm.data(), s.k.data(), T * c.n_head_kv, c.head_dim,
                    c.norm_eps);
  }
  AttendAndProject(ctx, rope, window);
}

void AttendAndProject(LayerContext& ctx, const blocks::RopeParams& rope, int window) {
  Attend(ctx, rope, window);
  ProjectAttention(ctx);
}

namespace {

// RoPE of s.q and s.k: M-RoPE with the batch's positions (text ones when the caller set none).
void RotateQueriesAndKeys(LayerContext& ctx, const blocks::RopeParams& rope) {
  const ModelConfig& c = ctx.config;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  if (!c.mrope()) {
    blocks::Rope(s.q.data(), T, c.n_head, c.head_dim, ctx.positions, rope);
    blocks::Rope(s.k.data(), T, c.n_head_kv, c.head_dim, ctx.positions, rope);
    return;
  }
  std::vector<blocks::MropePosition> text;
  const blocks::MropePosition* pos = s.mrope;
  if (pos == nullptr) {
    for (int64_t t = 0; t < T; ++t) {
      text.push_back({ctx.positions[t], ctx.positions[t], ctx.positions[t]});
    }
    pos = text.data();
  }
  blocks::MRope(s.q.data(), T, c.n_head, c.head_dim, pos, c.mrope_sections, rope);
  blocks::MRope(s.k.data(), T, c.n_head_kv, c.head_dim, pos, c.mrope_sections, rope);
}

}  // namespace

void Attend(LayerContext& ctx, const blocks::RopeParams& rope, int window) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  RotateQueriesAndKeys(ctx, rope);
  if (c.attn_temp_scale != 0.0f) ScaleQueriesByTemperature(c, ctx.positions, T, s.q.data());
  const float scale =
      c.attention_scale != 0 ? c.attention_scale : 1.0f / std::sqrt(float(c.head_dim));
  // Where the scale goes changes the rounding of the F16 queries; follow the reference.
  if (c.scale_queries) {
    for (int64_t i = 0; i < T * c.n_head * c.head_dim; ++i) s.q[i] *= scale;
  }
  blocks::AttentionParams ap{
      c.n_head, c.n_head_kv, c.head_dim, c.head_dim_v, c.scale_queries ? 1.0f : scale, window};
  if (!w.attn_sinks.empty()) ap.sinks = w.attn_sinks.data();
  ap.causal = c.causal_attention && !s.bidirectional;
  blocks::Attention(ctx.pool, ap, s.q.data(), s.k.data(), s.v.data(), T, ctx.positions, ctx.caches,
                    ctx.layer, s.attn.data(), s.attention, AttentionWeightRows(ctx));
}

void ProjectAttention(LayerContext& ctx) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  ops::MatMul(ctx.pool, w.wo, s.attn.data(), T, s.proj.data(), s.act_mid);
  if (!w.bo.empty()) blocks::AddBias(s.proj.data(), w.bo.data(), T, c.n_embd);
  AddToResidual(ctx, w.post_attn_norm);
}

void AddToResidual(LayerContext& ctx, const std::vector<float>& post_norm) {
  const ModelConfig& c = ctx.config;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;
  if (!post_norm.empty()) {
    blocks::RmsNorm(s.proj.data(), post_norm.data(), s.proj.data(), T, D, c.norm_eps);
  }
  blocks::Add(s.x.data(), s.proj.data(), T * D);
}

void GatedFfn(LayerContext& ctx, GatedAct act) {
  const ModelConfig& c = ctx.config;
  const LayerWeights& w = ctx.w;
  ForwardState& s = ctx.s;
  ThreadPool& pool = ctx.pool;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;

  blocks::RmsNorm(s.x.data(), w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  MatMulShared(pool, s.act_in, s.xb.data(), T, D,
               {{&w.w_gate, s.gate.data()}, {&w.w_up, s.up.data()}});
  // Elementwise: split over the pool (for decode, n_ff exps would be a serial stretch).
  pool.ParallelFor(
      T * c.n_ff,
      [&](int64_t b, int64_t e) {
        if (act == GatedAct::kSilu) {
          blocks::SwiGlu(s.gate.data() + b, s.up.data() + b, s.hidden.data() + b, e - b);
        } else {
          blocks::GeGlu(s.gate.data() + b, s.up.data() + b, s.hidden.data() + b, e - b);
        }
      },
      /*align=*/64);
  ops::MatMul(pool, w.w_down, s.hidden.data(), T, s.proj.data(), s.act_mid);
  AddToResidual(ctx, w.post_ffn_norm);
}

void MoeFfnSubBlock(LayerContext& ctx, const MoeParams& params) {
  const ModelConfig& c = ctx.config;
  ForwardState& s = ctx.s;
  const int64_t T = ctx.n_tokens;
  const int64_t D = c.n_embd;
  blocks::RmsNorm(s.x.data(), ctx.w.ffn_norm.data(), s.xb.data(), T, D, c.norm_eps);
  const MoeCapture capture{ctx.layer, ctx.hooks, ctx.positions};
  MoeFfn(ctx.pool, params, ctx.w.moe, s.xb.data(), T, s.proj.data(), s.moe,
         ctx.hooks.empty() ? nullptr : &capture);
  AddToResidual(ctx, /*post_norm=*/{});
}

void SwiGluLayer(LayerContext& ctx) {
  StandardAttention(ctx, ConfigRope(ctx), /*window=*/0);
  GatedFfn(ctx, GatedAct::kSilu);
}

}  // namespace inferno
