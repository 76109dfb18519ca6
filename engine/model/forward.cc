#include "engine/model/forward.h"

#include <algorithm>
#include <cmath>

#include "engine/tensor/dequant.h"

namespace inferno {

ForwardState::ForwardState(const ModelConfig& c, int max_tokens_) : max_tokens(max_tokens_) {
  const size_t T = size_t(max_tokens);
  const size_t q_dim = size_t(c.n_head) * c.head_dim;
  const size_t k_dim = size_t(c.n_head_kv) * c.head_dim;
  const size_t v_dim = size_t(c.n_head_kv) * c.head_dim_v;
  x.resize(T * c.n_embd);
  xb.resize(T * c.n_embd);
  q.resize(T * q_dim);
  k.resize(T * k_dim);
  v.resize(T * v_dim);
  attn.resize(T * size_t(c.n_head) * c.head_dim_v);
  proj.resize(T * c.n_embd);
  gate.resize(T * c.n_ff);
  up.resize(T * 2 * size_t(c.n_ff));
  hidden.resize(T * c.n_ff);
  last.resize(T * c.n_embd);
  caches.reserve(T);
  logit_rows.reserve(T);
  attn_rows.resize(T);
}

const blocks::AttentionCaptureRow* AttentionWeightRows(LayerContext& ctx) {
  if (ctx.hooks.empty()) return nullptr;  // probes off: no work beyond this check
  bool any = false;
  for (int64_t t = 0; t < ctx.n_tokens; ++t) {
    CaptureHook* hook = ctx.hooks[t];
    blocks::AttentionCaptureRow& row = ctx.s.attn_rows[t];
    row = {};
    if (hook != nullptr && hook->Wants(CaptureName::kAttnWeights, ctx.layer)) {
      row = hook->AttentionRows(ctx.layer, ctx.positions[t]);
      any = any || row.rows != nullptr;
    }
  }
  return any ? ctx.s.attn_rows.data() : nullptr;
}

namespace {

// Offers each token's row of x[n_tokens][n] as `name` of `layer` to its hook, if it wants it.
void OfferRows(std::span<CaptureHook* const> hooks, CaptureName name, int layer, const float* x,
               int64_t n) {
  for (size_t t = 0; t < hooks.size(); ++t) {
    CaptureHook* hook = hooks[t];
    if (hook != nullptr && hook->Wants(name, layer)) {
      hook->Tensor(name, layer, std::span<const float>(x + int64_t(t) * n, size_t(n)));
    }
  }
}

}  // namespace

void MatMulShared(ThreadPool& pool, ops::Activations& act, const float* x, int64_t n_tokens,
                  int64_t n, std::initializer_list<Projection> projections) {
  bool quantized = false;
  for (const Projection& p : projections) {
    if (!quantized || ops::ActivationType(p.w->type) != act.type()) {
      act.Quantize(pool, p.w->type, x, n_tokens, n);
      quantized = true;
    }
    ops::MatMul(pool, *p.w, act, p.out);
  }
}

namespace {

// The pass up to the last layer: s.x holds every token's residual stream afterwards.
void RunLayers(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
               std::span<const int32_t> tokens, std::span<const int32_t> positions, ForwardState& s,
               std::span<CaptureHook* const> hooks) {
  const ModelConfig& c = model.config();
  const Weights& w = model.weights();
  const int64_t T = int64_t(tokens.size());
  const int64_t D = c.n_embd;

  // Embedding lookup: dequantize the token rows (or take the caller's embeddings as they are).
  const ops::WeightMatrix& emb = w.token_embd;
  if (s.input_embeddings != nullptr) {
    std::copy(s.input_embeddings, s.input_embeddings + T * D, s.x.data());
  }
  for (int64_t t = 0; t < T && s.input_embeddings == nullptr; ++t) {
    const auto* row = static_cast<const uint8_t*>(emb.data) + size_t(tokens[t]) * emb.row_bytes;
    DequantizeRow(emb.type, row, s.x.data() + t * D, D);
  }
  if (c.embedding_scale != 1.0f && s.input_embeddings == nullptr) {
    for (int64_t i = 0; i < T * D; ++i) s.x[i] *= c.embedding_scale;
  }
  if (c.family->finish_embedding != nullptr) {
    c.family->finish_embedding(c, w, positions, s.x.data());
  }

  // One choice for the batch: every sequence of a scheduler or session has the same context size.
  const float* rope_factors = T > 0 ? RopeFactorsFor(c, w, caches[0]->n_ctx()) : nullptr;
  for (int l = 0; l < c.n_layer; ++l) {
    LayerContext ctx{c, w.layers[l],      l, pool,         caches.data(),
                     T, positions.data(), s, rope_factors, hooks};
    c.family->layer(ctx);
    if (!hooks.empty()) OfferRows(hooks, CaptureName::kLayerOut, l, s.x.data(), D);
  }
}

// The output norm of the listed rows of s.x into out[i][n_embd].
void NormRows(const Model& model, const ForwardState& s, std::span<const int32_t> rows,
              float* out) {
  const int64_t D = model.config().n_embd;
  for (size_t i = 0; i < rows.size(); ++i) {
    OutputNorm(model, s.x.data() + int64_t(rows[i]) * D, 1, out + int64_t(i) * D);
  }
}

}  // namespace

void OutputNorm(const Model& model, const float* x, int64_t n_rows, float* out) {
  const ModelConfig& c = model.config();
  const std::vector<float>& norm = model.weights().output_norm;
  if (norm.empty()) {  // a family whose layers end normalised (BERT's post-norm) binds none
    std::copy(x, x + n_rows * c.n_embd, out);
    return;
  }
  blocks::RmsNorm(x, norm.data(), out, n_rows, c.n_embd, c.norm_eps);
}

void ForwardBatch(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
                  std::span<const int32_t> tokens, std::span<const int32_t> positions,
                  std::span<const int32_t> logit_rows, ForwardState& s, float* logits,
                  std::span<CaptureHook* const> hooks) {
  RunLayers(model, pool, caches, tokens, positions, s, hooks);
  // Only the rows whose logits are wanted go through the final norm and the (large)
  // output projection. Encoders have neither: they are read through ForwardHidden.
  if (!model.config().has_lm_head) return;
  NormRows(model, s, logit_rows, s.last.data());
  ops::MatMul(pool, model.weights().output, s.last.data(), int64_t(logit_rows.size()), logits,
              s.act_in);
}

void ForwardHidden(const Model& model, ThreadPool& pool, std::span<KvCache* const> caches,
                   std::span<const int32_t> tokens, std::span<const int32_t> positions,
                   std::span<const int32_t> rows, ForwardState& s, float* hidden,
                   std::span<CaptureHook* const> hooks) {
  RunLayers(model, pool, caches, tokens, positions, s, hooks);
  NormRows(model, s, rows, hidden);
}

void ProjectToVocab(const Model& model, ThreadPool& pool, const float* x, int64_t n_rows,
                    ForwardState& s, float* logits) {
  const ModelConfig& c = model.config();
  const Weights& w = model.weights();
  const int64_t D = c.n_embd;
  // In chunks of the state's batch size, the rows s.last holds.
  for (int64_t first = 0; first < n_rows; first += s.max_tokens) {
    const int64_t n = std::min<int64_t>(s.max_tokens, n_rows - first);
    OutputNorm(model, x + first * D, n, s.last.data());
    ops::MatMul(pool, w.output, s.last.data(), n, logits + first * int64_t(c.n_vocab), s.act_in);
  }
}

void Forward(const Model& model, ThreadPool& pool, KvCache& cache, std::span<const int32_t> tokens,
             std::span<const int32_t> positions, ForwardState& s, float* logits, bool all_logits,
             std::span<CaptureHook* const> hooks) {
  const int32_t T = int32_t(tokens.size());
  s.caches.assign(T, &cache);
  s.logit_rows.clear();
  for (int32_t t = all_logits ? 0 : T - 1; t < T; ++t) s.logit_rows.push_back(t);
  ForwardBatch(model, pool, s.caches, tokens, positions, s.logit_rows, s, logits, hooks);
}

}  // namespace inferno
