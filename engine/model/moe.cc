#include "engine/model/moe.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "engine/model/blocks.h"
#include "engine/tensor/dequant.h"

namespace inferno {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string TensorWhere(const std::string& file, const gguf::TensorInfo& t) {
  return file + ": tensor '" + std::string(t.name) + "'";
}

}  // namespace

Result<ExpertMatrices> ViewExperts(const std::string& file, const gguf::TensorInfo& t, int64_t cols,
                                   int64_t rows, int64_t n_expert) {
  const std::vector<int64_t> want = {cols, rows, n_expert};
  if (t.shape.size() != 3) {
    return Status::InvalidArgument(TensorWhere(file, t) + ": expected a 3-D expert tensor " +
                                   ShapeString(want) + ", found " + ShapeString(t.shape));
  }
  if (t.shape[2] != n_expert) {
    return Status::InvalidArgument(TensorWhere(file, t) + ": holds " + std::to_string(t.shape[2]) +
                                   " experts, expected " + std::to_string(n_expert) + " (shape " +
                                   ShapeString(t.shape) + ")");
  }
  if (t.shape[0] != cols || t.shape[1] != rows) {
    return Status::InvalidArgument(TensorWhere(file, t) + ": shape " + ShapeString(t.shape) +
                                   ", expected " + ShapeString(want));
  }
  const size_t row_bytes = RowBytes(t.type, cols);
  const size_t slice_bytes = size_t(rows) * row_bytes;
  if (t.bytes != 0 && t.bytes < slice_bytes * size_t(n_expert)) {
    return Status::Corruption(TensorWhere(file, t) + ": " + std::to_string(t.bytes) +
                              " bytes, expected " + std::to_string(slice_bytes * n_expert));
  }
  ExpertMatrices m;
  m.experts.resize(size_t(n_expert));
  for (int64_t e = 0; e < n_expert; ++e) {
    ops::WeightMatrix& w = m.experts[size_t(e)];
    w.type = t.type;
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = row_bytes;
    w.data = t.data + size_t(e) * slice_bytes;
  }
  return m;
}

void MoeMatrices(MoeWeights& w, std::vector<ops::WeightMatrix*>* out) {
  out->push_back(&w.router);
  for (ExpertMatrices* m : {&w.gate, &w.up, &w.down}) {
    for (ops::WeightMatrix& e : m->experts) out->push_back(&e);
  }
}

namespace {

// y = softmax(x) over n, as ggml's soft_max: exponentials summed in double, one scale.
void Softmax(const float* x, float* y, int n) {
  float max = -INFINITY;
  for (int i = 0; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += y[i];
  }
  const float scale = float(1.0 / sum);
  for (int i = 0; i < n; ++i) y[i] *= scale;
}

// The k best of scores[n] by rank: a full descending sort of the indices, as ggml's
// argsort_top_k does (so ties fall the same way).
void TopK(const float* scores, int n, int k, std::vector<int32_t>& order, int32_t* ids) {
  order.resize(size_t(n));
  for (int i = 0; i < n; ++i) order[size_t(i)] = i;
  std::sort(order.begin(), order.end(),
            [scores](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  std::copy(order.begin(), order.begin() + k, ids);
}

// Normalisation and scaling of one token's k chosen weights (build_moe_ffn's order).
void FinishWeights(const MoeParams& p, float* w) {
  const int k = p.n_expert_used;
  if (p.norm_weights) {
    double sum = 0;  // ggml_sum_rows accumulates in double
    for (int j = 0; j < k; ++j) sum += w[j];
    // Clamped to F16's smallest normal, as llama.cpp does against a zero sum.
    const float s = std::max(float(sum), 6.103515625e-5f);
    for (int j = 0; j < k; ++j) w[j] /= s;
  }
  if (p.weights_scale != 0.0f && p.weights_scale != 1.0f) {
    for (int j = 0; j < k; ++j) w[j] *= p.weights_scale;
  }
}

}  // namespace

void RouteTokens(const MoeParams& p, const float* logits, int64_t T, int32_t* ids, float* weights,
                 MoeScratch& s) {
  const int n = p.n_expert;
  const int k = p.n_expert_used;
  s.probs.resize(size_t(n));
  for (int64_t t = 0; t < T; ++t) {
    const float* l = logits + t * n;
    int32_t* id = ids + t * k;
    float* w = weights + t * k;
    switch (p.gating) {
      case MoeGating::kSoftmax:
        Softmax(l, s.probs.data(), n);
        break;
      case MoeGating::kSigmoid:
        for (int i = 0; i < n; ++i) s.probs[size_t(i)] = 1.0f / (1.0f + std::exp(-l[i]));
        break;
      case MoeGating::kSoftmaxWeight:
        std::copy(l, l + n, s.probs.begin());
        break;
    }
    TopK(s.probs.data(), n, k, s.order, id);
    for (int j = 0; j < k; ++j) w[j] = s.probs[size_t(id[j])];
    if (p.gating == MoeGating::kSoftmaxWeight) Softmax(w, w, k);
    FinishWeights(p, w);
  }
}

namespace {

// Lists the slots t * k + j grouped by expert (counting sort, so token order is kept).
void GroupByExpert(const MoeParams& p, int64_t T, MoeScratch& s) {
  const int k = p.n_expert_used;
  s.offsets.assign(size_t(p.n_expert) + 1, 0);
  for (int64_t i = 0; i < T * k; ++i) ++s.offsets[size_t(s.ids[size_t(i)]) + 1];
  for (int e = 0; e < p.n_expert; ++e) s.offsets[e + 1] += s.offsets[e];
  s.rows.resize(size_t(T * k));
  std::vector<int32_t>& fill = s.order;  // next free place per expert
  fill.assign(s.offsets.begin(), s.offsets.end() - 1);
  for (int64_t i = 0; i < T * k; ++i) s.rows[size_t(fill[size_t(s.ids[size_t(i)])]++)] = int32_t(i);
}

// out[r] = act(gate[r], up[r]) over n elements, split across the pool when long.
void Activate(ThreadPool& pool, const MoeParams& p, const float* gate, const float* up, float* out,
              int64_t n) {
  auto run = [&](int64_t b, int64_t e) {
    if (p.activation == MoeActivation::kSwiGlu) {
      blocks::SwiGlu(gate + b, up + b, out + b, e - b);
      return;
    }
    for (int64_t i = b; i < e; ++i) {  // ggml's swiglu_oai, term for term
      const float x = std::min(gate[i], p.oai_limit);
      const float y = std::clamp(up[i], -p.oai_limit, p.oai_limit);
      out[i] = x / (1.0f + std::exp(p.oai_alpha * -x)) * (y + 1.0f);
    }
  };
  if (n < 4096) {
    run(0, n);
  } else {
    pool.ParallelFor(n, run, /*align=*/64);
  }
}

// One expert on the n rows routed to it (slots s.rows[first..first + n)): gathers their
// quantized inputs, runs gate/up, the activation and down, and writes each weighted result to
// its slot. `pool` splits the matrices: the layer's pool, or an inline one when the calling
// thread takes the expert whole. Reads `s`, writes only the expert's slots and `x`.
void RunExpert(ThreadPool& pool, const MoeParams& p, const MoeWeights& w, int e, int64_t first,
               int64_t n, MoeScratch& s, MoeExpertScratch& x) {
  const int k = p.n_expert_used;
  const int64_t D = w.down[e].rows;
  const int64_t F = w.gate[e].rows;
  x.tokens.resize(size_t(n));
  for (int64_t r = 0; r < n; ++r) x.tokens[size_t(r)] = s.rows[size_t(first + r)] / k;
  x.gate.resize(size_t(n * F));
  x.up.resize(size_t(n * F));
  x.down.resize(size_t(n * D));
  x.act_gate.Gather(s.batch_gate, x.tokens.data(), n);
  ops::MatMul(pool, w.gate[e], x.act_gate, x.gate.data());
  const bool own_up = ops::ActivationType(w.up[e].type) != s.batch_gate.type();
  if (own_up) x.act_up.Gather(s.batch_up, x.tokens.data(), n);
  ops::MatMul(pool, w.up[e], own_up ? x.act_up : x.act_gate, x.up.data());
  if (!w.gate_bias.empty()) blocks::AddBias(x.gate.data(), w.gate_bias.data() + e * F, n, F);
  if (!w.up_bias.empty()) blocks::AddBias(x.up.data(), w.up_bias.data() + e * F, n, F);
  Activate(pool, p, x.gate.data(), x.up.data(), x.gate.data(), n * F);
  ops::MatMul(pool, w.down[e], x.gate.data(), n, x.down.data(), x.act_mid);
  if (!w.down_bias.empty()) blocks::AddBias(x.down.data(), w.down_bias.data() + e * D, n, D);
  for (int64_t r = 0; r < n; ++r) {
    const int32_t slot = s.rows[size_t(first + r)];
    const float weight = s.weights[size_t(slot)];
    const float* y = x.down.data() + r * D;
    float* dst = s.slots.data() + int64_t(slot) * D;
    for (int64_t i = 0; i < D; ++i) dst[i] = y[i] * weight;
  }
}

// Quantizes the whole batch once for the gate matrices (and the up matrices if they want
// another format); the experts gather their rows from it.
void QuantizeBatch(ThreadPool& pool, const MoeWeights& w, const float* xb, int64_t T,
                   MoeScratch& s) {
  const int64_t D = w.router.cols;
  s.batch_gate.Quantize(pool, w.gate[0].type, xb, T, D);
  if (ops::ActivationType(w.up[0].type) != s.batch_gate.type()) {
    s.batch_up.Quantize(pool, w.up[0].type, xb, T, D);
  }
}

// Runs every expert that got rows. Experts with more than a thread's share of the rows split
// their matrices across the pool; the rest go to a queue, most rows first, from which each
// thread takes whole experts (with few experts per thread, as in a decode step on many
// threads, all are split instead).
void RunExperts(ThreadPool& pool, const MoeParams& p, const MoeWeights& w, int64_t T,
                MoeScratch& s) {
  const int threads = pool.size();
  if (s.per_thread.size() < size_t(threads)) s.per_thread.resize(size_t(threads));
  const int64_t share = (T * p.n_expert_used + threads - 1) / threads;
  int active = 0;
  for (int e = 0; e < p.n_expert; ++e) active += s.offsets[e + 1] > s.offsets[e];
  const bool whole = active >= 2 * threads;
  s.queue.clear();
  for (int e = 0; e < p.n_expert; ++e) {
    const int64_t n = s.offsets[e + 1] - s.offsets[e];
    if (n == 0) continue;
    if (whole && n <= share) {
      s.queue.push_back(e);
    } else {
      RunExpert(pool, p, w, e, s.offsets[e], n, s, s.per_thread[0]);
    }
  }
  if (s.queue.empty()) return;
  std::stable_sort(s.queue.begin(), s.queue.end(), [&](int32_t a, int32_t b) {
    return s.offsets[a + 1] - s.offsets[a] > s.offsets[b + 1] - s.offsets[b];
  });
  std::atomic<size_t> next{0};
  pool.Run([&](int i, int) {
    ThreadPool inline_pool(1);
    for (size_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < s.queue.size();) {
      const int e = s.queue[q];
      RunExpert(inline_pool, p, w, e, s.offsets[e], s.offsets[e + 1] - s.offsets[e], s,
                s.per_thread[size_t(i)]);
    }
  });
}

void OfferRouter(const MoeParams& p, const MoeCapture& c, int64_t T, const MoeScratch& s) {
  const size_t k = size_t(p.n_expert_used);
  for (int64_t t = 0; t < T && size_t(t) < c.hooks.size(); ++t) {
    CaptureHook* hook = c.hooks[size_t(t)];
    if (hook == nullptr || !hook->Wants(CaptureName::kRouter, c.layer)) continue;
    hook->Router(c.layer, c.positions[t], std::span<const int32_t>(s.ids.data() + t * k, k),
                 std::span<const float>(s.weights.data() + t * k, k));
  }
}

}  // namespace

void MoeFfn(ThreadPool& pool, const MoeParams& p, const MoeWeights& w, const float* xb, int64_t T,
            float* out, MoeScratch& s, const MoeCapture* capture) {
  const int k = p.n_expert_used;
  const int64_t D = w.router.cols;
  s.logits.resize(size_t(T) * p.n_expert);
  s.ids.resize(size_t(T) * k);
  s.weights.resize(size_t(T) * k);
  s.slots.resize(size_t(T) * k * D);

  ops::MatMul(pool, w.router, xb, T, s.logits.data(), s.act_router);
  if (!w.router_bias.empty()) blocks::AddBias(s.logits.data(), w.router_bias.data(), T, p.n_expert);
  RouteTokens(p, s.logits.data(), T, s.ids.data(), s.weights.data(), s);
  if (capture != nullptr && !capture->hooks.empty()) OfferRouter(p, *capture, T, s);

  GroupByExpert(p, T, s);
  QuantizeBatch(pool, w, xb, T, s);
  RunExperts(pool, p, w, T, s);
  // The slots summed in rank order, as llama.cpp's chain of adds.
  pool.ParallelFor(T, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      float* o = out + t * D;
      const float* slot = s.slots.data() + t * k * D;
      std::memcpy(o, slot, size_t(D) * sizeof(float));
      for (int j = 1; j < k; ++j) blocks::Add(o, slot + j * D, D);
    }
  });
}

}  // namespace inferno
