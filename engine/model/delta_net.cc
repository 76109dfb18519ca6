#include "engine/model/delta_net.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/model/forward.h"

namespace inferno {
namespace {

template <typename T>
void Grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

float Silu(float x) { return x / (1.0f + std::exp(-x)); }
float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
// As ggml's softplus: the identity above 20, where exp would lose it anyway.
float Softplus(float x) { return x > 20.0f ? x : std::log(1.0f + std::exp(x)); }

float Dot(const float* a, const float* b, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Marks the tokens that restart their sequence's state and checks that the others continue
// it: a state cannot be rewound, so a gap would silently compute with the wrong history.
void AdvanceStates(const LayerContext& ctx, DeltaNetScratch& s) {
  for (int64_t t = 0; t < ctx.n_tokens; ++t) {
    KvCache::RecurrentState* st = ctx.caches[t]->recurrent(ctx.layer);
    const int pos = ctx.positions[t];
    s.restart[t] = pos == 0;
    if (st != nullptr && pos == 0) st->n_tokens = 0;
    if (st == nullptr || pos != st->n_tokens) {
      std::fprintf(stderr,
                   "inferno: layer %d: token at position %d does not continue its recurrent "
                   "state (which holds %d tokens)\n",
                   ctx.layer, pos, st == nullptr ? -1 : st->n_tokens);
      std::abort();
    }
    ++st->n_tokens;
  }
}

// The causal depthwise convolution over each channel's last conv_kernel inputs (the state
// holds the kernel-1 before this token), then SiLU, in place in s.qkv.
void Convolve(const LayerContext& ctx, const DeltaNetDims& d, const DeltaNetWeights& w,
              DeltaNetScratch& s) {
  const int K = d.conv_kernel;
  const int64_t C = d.conv_dim();
  ctx.pool.ParallelFor(C, [&](int64_t c0, int64_t c1) {
    for (int64_t t = 0; t < ctx.n_tokens; ++t) {
      float* state = ctx.caches[t]->recurrent(ctx.layer)->conv;
      for (int64_t c = c0; c < c1; ++c) {
        float* hist = state + c * (K - 1);
        if (s.restart[t]) std::fill(hist, hist + K - 1, 0.0f);
        const float* wc = w.conv.data() + c * K;
        float& x = s.qkv[t * C + c];
        float sum = 0;
        for (int k = 0; k < K - 1; ++k) sum += hist[k] * wc[k];
        sum += x * wc[K - 1];
        for (int k = 0; k + 1 < K - 1; ++k) hist[k] = hist[k + 1];
        if (K > 1) hist[K - 2] = x;
        x = Silu(sum);
      }
    }
  });
}

// q and k heads to unit length (ggml_l2_norm: the sum of squares in double, eps a floor on
// the norm), beta through a sigmoid, alpha to the log-decay g.
void PrepareHeads(const LayerContext& ctx, const DeltaNetDims& d, const DeltaNetWeights& w,
                  float eps, DeltaNetScratch& s) {
  const int64_t C = d.conv_dim();
  for (int64_t t = 0; t < ctx.n_tokens; ++t) {
    for (int h = 0; h < 2 * d.n_k_heads; ++h) {  // the q heads, then the k heads
      float* x = s.qkv.data() + t * C + int64_t{h} * d.head_dim;
      double sum = 0;
      for (int i = 0; i < d.head_dim; ++i) sum += double(x[i] * x[i]);
      const float scale = 1.0f / std::fmax(std::sqrt(float(sum)), eps);
      for (int i = 0; i < d.head_dim; ++i) x[i] *= scale;
    }
    for (int h = 0; h < d.n_v_heads; ++h) {
      const int64_t i = t * d.n_v_heads + h;
      s.beta[i] = Sigmoid(s.beta[i]);
      s.g[i] = Softplus(s.g[i] + w.dt_bias[h]) * w.a[h];
    }
  }
}

// The delta rule per value head, token by token. State rows are value components: row j holds
// S[.][j], so each row's decay, correction and readout touch only that row.
void Recur(const LayerContext& ctx, const DeltaNetDims& d, DeltaNetScratch& s) {
  const int hd = d.head_dim;
  const int64_t C = d.conv_dim();
  const float scale = 1.0f / std::sqrt(float(hd));
  ctx.pool.ParallelFor(d.n_v_heads, [&](int64_t h0, int64_t h1) {
    for (int64_t t = 0; t < ctx.n_tokens; ++t) {
      float* state = ctx.caches[t]->recurrent(ctx.layer)->ssm;
      for (int64_t h = h0; h < h1; ++h) {
        float* S = state + h * hd * hd;
        if (s.restart[t]) std::fill(S, S + int64_t{hd} * hd, 0.0f);
        const int64_t kh = h % d.n_k_heads;
        const float* q = s.qkv.data() + t * C + kh * hd;
        const float* k = q + d.key_dim();
        const float* v = s.qkv.data() + t * C + 2 * d.key_dim() + h * hd;
        const float decay = std::exp(s.g[t * d.n_v_heads + h]);
        const float beta = s.beta[t * d.n_v_heads + h];
        float* o = s.out.data() + t * d.value_dim() + h * hd;
        for (int j = 0; j < hd; ++j) {
          float* row = S + int64_t{j} * hd;
          for (int i = 0; i < hd; ++i) row[i] *= decay;
          const float delta = (v[j] - Dot(row, k, hd)) * beta;
          for (int i = 0; i < hd; ++i) row[i] += k[i] * delta;
          o[j] = Dot(row, q, hd) * scale;
        }
      }
    }
  });
}

}  // namespace

void DeltaNetScratch::Reserve(const DeltaNetDims& d, int64_t T) {
  Grow(qkv, size_t(T * d.conv_dim()));
  Grow(z, size_t(T * d.value_dim()));
  Grow(g, size_t(T * d.n_v_heads));
  Grow(beta, size_t(T * d.n_v_heads));
  Grow(out, size_t(T * d.value_dim()));
  Grow(restart, size_t(T));
}

void DeltaNetMix(LayerContext& ctx, const DeltaNetDims& d, const DeltaNetWeights& w) {
  const ModelConfig& c = ctx.config;
  ForwardState& fs = ctx.s;
  DeltaNetScratch& s = fs.delta_net;
  const int64_t T = ctx.n_tokens;
  s.Reserve(d, T);
  MatMulShared(ctx.pool, fs.act_in, fs.xb.data(), T, c.n_embd,
               {{&w.qkv, s.qkv.data()},
                {&w.gate, s.z.data()},
                {&w.alpha, s.g.data()},
                {&w.beta, s.beta.data()}});
  AdvanceStates(ctx, s);
  Convolve(ctx, d, w, s);
  PrepareHeads(ctx, d, w, c.norm_eps, s);
  Recur(ctx, d, s);
  // Gated output norm: rmsnorm over each head, times silu(z).
  const int64_t n_out = T * d.value_dim();
  blocks::RmsNorm(s.out.data(), w.norm.data(), s.out.data(), T * d.n_v_heads, d.head_dim,
                  c.norm_eps);
  for (int64_t i = 0; i < n_out; ++i) s.out[i] *= Silu(s.z[i]);
  ops::MatMul(ctx.pool, w.out, s.out.data(), T, fs.proj.data(), fs.act_mid);
}

}  // namespace inferno
