#include "engine/model/blocks.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/attention_f16.h"
#include "engine/ops/attention_online.h"
#include "engine/ops/hadamard.h"
#include "engine/tensor/fp16.h"

namespace inferno::blocks {

void RmsNorm(const float* x, const float* weight, float* out, int64_t n_tokens, int64_t n,
             float eps) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xr = x + t * n;
    float* yr = out + t * n;
    double sum = 0;  // double: long rows of squares lose precision in float
    for (int64_t i = 0; i < n; ++i) sum += double(xr[i]) * xr[i];
    const float scale = 1.0f / std::sqrt(float(sum / n) + eps);
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] * scale) * weight[i];
  }
}

void LayerNorm(const float* x, const float* weight, const float* bias, float* out, int64_t n_tokens,
               int64_t n, float eps) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xr = x + t * n;
    float* yr = out + t * n;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += xr[i];
    const float mean = float(sum / n);
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float d = xr[i] - mean;
      sq += double(d) * d;
    }
    const float scale = 1.0f / std::sqrt(float(sq / n) + eps);
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - mean) * scale * weight[i] + bias[i];
  }
}

void AddBias(float* x, const float* bias, int64_t n_tokens, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) Add(x + t * n, bias, n);
}

void Add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void RopeYarnCorrDims(int n_rot, int n_ctx_orig, float freq_base, float beta_fast, float beta_slow,
                      float dims[2]) {
  // The pair index whose wavelength fits `n_turns` times in the training context. Float
  // arithmetic in ggml's order: the ramp ends are floored/ceiled, so rounding here could
  // move a whole pair across them.
  auto corr_dim = [&](float n_turns) {
    return float(n_rot) * std::log(float(n_ctx_orig) / (n_turns * 2.0f * float(M_PI))) /
           (2.0f * std::log(freq_base));
  };
  dims[0] = std::max(0.0f, std::floor(corr_dim(beta_fast)));
  dims[1] = std::min(float(n_rot - 1), std::ceil(corr_dim(beta_slow)));
}

namespace {

// 1 below the ramp (keep the unscaled angle), 0 above it (interpolate), linear in between.
float YarnRamp(const float dims[2], int pair) {
  const float y = (float(pair) - dims[0]) / std::max(0.001f, dims[1] - dims[0]);
  return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

// cos/sin of every pair for one position. Angles are built by repeated multiplication, as
// llama.cpp does, so that our rotations agree with the reference to the last bit rather than
// to powf's rounding; with YaRN off and attn_factor 1 every step below is exact (x * 1), so
// this is also bit-identical to plain RoPE.
void RopeAngles(int32_t pos, const RopeParams& p, float theta_scale, const float dims[2],
                float* cos_sin) {
  float mscale = p.attn_factor;
  if (p.ext_factor != 0.0f) mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
  float theta = float(pos);
  for (int i = 0; i < p.n_rot / 2; ++i) {
    const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
    const float extrap = theta / ff;
    float angle = p.freq_scale * extrap;
    if (p.ext_factor != 0.0f) {
      const float mix = YarnRamp(dims, i) * p.ext_factor;
      angle = angle * (1.0f - mix) + extrap * mix;
    }
    cos_sin[2 * i] = std::cos(angle) * mscale;
    cos_sin[2 * i + 1] = std::sin(angle) * mscale;
    theta *= theta_scale;
  }
}

}  // namespace

void Rope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
          const RopeParams& p) {
  const int half = p.n_rot / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  float dims[2] = {0.0f, 0.0f};
  if (p.ext_factor != 0.0f) {
    RopeYarnCorrDims(p.n_rot, p.n_ctx_orig, p.freq_base, p.beta_fast, p.beta_slow, dims);
  }
  std::vector<float> cos_sin(p.n_rot);
  for (int64_t t = 0; t < n_tokens; ++t) {
    RopeAngles(positions[t], p, theta_scale, dims, cos_sin.data());
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (int i = 0; i < half; ++i) {
        const int a = p.neox ? i : 2 * i;
        const int b = p.neox ? i + half : 2 * i + 1;
        const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * c - x1 * s;
        v[b] = x0 * s + x1 * c;
      }
    }
  }
}

void MRope(float* x, int64_t n_tokens, int n_heads, int head_dim, const MropePosition* positions,
           const std::array<int, 4>& sections, const RopeParams& p) {
  const int half = p.n_rot / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  float dims[2] = {0.0f, 0.0f};
  if (p.ext_factor != 0.0f) {
    RopeYarnCorrDims(p.n_rot, p.n_ctx_orig, p.freq_base, p.beta_fast, p.beta_slow, dims);
  }
  const int sum = std::max(1, sections[0] + sections[1] + sections[2] + sections[3]);
  // Each pair's section: 0..3 for t, h, w and the fourth (position 0).
  std::vector<int> section(half);
  for (int i = 0; i < half; ++i) {
    const int sector = i % sum;
    section[i] = sector < sections[0]                               ? 0
                 : sector < sections[0] + sections[1]               ? 1
                 : sector < sections[0] + sections[1] + sections[2] ? 2
                                                                    : 3;
  }
  std::vector<float> angles(4 * size_t(p.n_rot));  // cos/sin per section
  for (int64_t t = 0; t < n_tokens; ++t) {
    const int32_t pos[4] = {positions[t].t, positions[t].h, positions[t].w, 0};
    for (int s = 0; s < 4; ++s) RopeAngles(pos[s], p, theta_scale, dims, &angles[s * p.n_rot]);
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (int i = 0; i < half; ++i) {
        const float* cs = &angles[section[i] * p.n_rot + 2 * i];
        const float x0 = v[i], x1 = v[i + half];
        v[i] = x0 * cs[0] - x1 * cs[1];
        v[i + half] = x0 * cs[1] + x1 * cs[0];
      }
    }
  }
}

void AttentionScratch::Reserve(int n_threads, int n_rows, int n_ctx, int head_dim) {
  work.resize(n_threads);
  const size_t need = ops::AttentionF16ScratchFloats(n_rows, n_ctx, head_dim);
  for (auto& w : work) {
    if (w.size() < need) w.resize(need);
  }
}

namespace {
// Per token: the last position its sequence (its cache) has in this batch.
std::vector<int> LastPositions(int64_t n_tokens, const int32_t* positions, KvCache* const* caches) {
  std::vector<std::pair<const KvCache*, int>> seqs;  // few sequences per batch
  auto find = [&](const KvCache* c) -> std::pair<const KvCache*, int>& {
    for (auto& s : seqs) {
      if (s.first == c) return s;
    }
    return seqs.emplace_back(c, 0);
  };
  for (int64_t t = 0; t < n_tokens; ++t) {
    auto& s = find(caches[t]);
    s.second = std::max(s.second, int(positions[t]));
  }
  std::vector<int> last(n_tokens);
  for (int64_t t = 0; t < n_tokens; ++t) last[t] = find(caches[t]).second;
  return last;
}

// Stores the batch's keys and values in their caches (rotated first for a quantized cache);
// returns the queries to attend with (rotated likewise when the keys are).
const float* StoreKv(const AttentionParams& p, const float* q, const float* k, const float* v,
                     int64_t n_tokens, const int32_t* positions, KvCache* const* caches, int layer,
                     AttentionScratch& scratch) {
  const int k_dim = p.n_head_kv * p.head_dim;
  const int v_dim = p.n_head_kv * p.head_dim_v;
  // Every cache of a batch has the same types (one scheduler), so the same rotations.
  const int rot_k = caches[0]->k_rotation(), rot_v = caches[0]->v_rotation();
  if (rot_k > 0 || rot_v > 0) {
    scratch.rotated_kv.resize(size_t(k_dim + v_dim));
    float* rk = scratch.rotated_kv.data();
    float* rv = rk + k_dim;
    for (int64_t t = 0; t < n_tokens; ++t) {
      std::copy_n(k + t * k_dim, k_dim, rk);
      std::copy_n(v + t * v_dim, v_dim, rv);
      if (rot_k > 0) ops::HadamardChunks(rk, k_dim, rot_k);
      if (rot_v > 0) ops::HadamardChunks(rv, v_dim, rot_v);
      caches[t]->Store(layer, positions[t], rk, rv);
    }
  } else {
    for (int64_t t = 0; t < n_tokens; ++t) {
      caches[t]->Store(layer, positions[t], k + t * k_dim, v + t * v_dim);
    }
  }
  if (rot_k <= 0) return q;
  const int64_t q_count = n_tokens * p.n_head * p.head_dim;
  scratch.rotated_q.assign(q, q + q_count);
  ops::HadamardChunks(scratch.rotated_q.data(), q_count, rot_k);
  return scratch.rotated_q.data();
}

// What every work item of one Attention() call shares. An item is one token's `rows` query
// heads that share a KV head: the kernels load each key and value row once for all of them.
struct AttentionBatch {
  const AttentionParams& p;
  const float* q;
  const int32_t* positions;
  KvCache* const* caches;
  int layer;
  float* out;
  std::vector<int> last;  // non-causal: each token's last position in the batch
  int rows = 0;
  int items_per_token = 0;

  int64_t n_items(int64_t n_tokens) const { return n_tokens * items_per_token; }
  // The kernel arguments of an item over its whole visible key range [lo, pos].
  ops::AttentionF16Args Args(int64_t item, float* work) const {
    const int64_t t = item / items_per_token;
    const int h0 = int(item % items_per_token) * rows;  // first query head of the item
    const int kv_head = h0 / (p.n_head / p.n_head_kv);
    const int pos = positions[t];
    const int lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
    const KvCache& cache = *caches[t];
    ops::AttentionF16Args a;
    a.head_dim = p.head_dim;
    a.head_dim_v = p.head_dim_v;
    a.n_rows = rows;
    a.q = q + (t * p.n_head + h0) * p.head_dim;
    a.q_stride = p.head_dim;
    a.k_type = cache.types().k;
    a.v_type = cache.types().v;
    a.k = cache.k(layer, kv_head, lo);
    a.k_stride = int64_t(cache.k_head_bytes());
    a.v = cache.v(layer, kv_head, lo);
    a.v_stride = int64_t(cache.v_head_bytes());
    a.n_keys = (p.causal ? pos : last[t]) - lo + 1;
    a.scale = p.kq_scale;
    a.out = out + (t * p.n_head + h0) * p.head_dim_v;
    a.out_stride = p.head_dim_v;
    a.sinks = p.sinks != nullptr ? p.sinks + h0 : nullptr;
    a.scratch = work;
    return a;
  }
  // Row r of the item's softmax weights goes to capture rows (null when none is wanted).
  bool CaptureRows(const AttentionCaptureRow* capture, int64_t item, float** cap_rows) const {
    const int64_t t = item / items_per_token;
    if (capture == nullptr || capture[t].rows == nullptr || !p.causal) return false;
    const int h0 = int(item % items_per_token) * rows;
    const int pos = positions[t];
    const int lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
    const AttentionCaptureRow& row = capture[t];
    bool any = false;
    for (int r = 0; r < rows; ++r) {
      const int slot = row.head_slot != nullptr ? row.head_slot[h0 + r] : h0 + r;
      cap_rows[r] = slot >= 0 ? row.rows + slot * row.stride + lo : nullptr;
      any = any || slot >= 0;
    }
    return any;
  }
};

// The two-pass kernels, one work item per thread at a time.
void RunTwoPass(ThreadPool& pool, const AttentionBatch& b, int64_t n_items,
                AttentionScratch& scratch, const AttentionCaptureRow* capture) {
  pool.Run([&](int thread, int n_threads) {
    float* work = scratch.work[thread].data();
    float* cap[AttentionScratch::kMaxRows];
    std::vector<float*> cap_heap;  // only for groups wider than kMaxRows (none known)
    float** cap_rows = cap;
    if (b.rows > AttentionScratch::kMaxRows) {
      cap_heap.resize(b.rows);
      cap_rows = cap_heap.data();
    }
    for (int64_t item = thread; item < n_items; item += n_threads) {
      ops::AttentionF16Args a = b.Args(item, work);
      // The capture rows hold positions 0..pos: causal attention only.
      if (b.CaptureRows(capture, item, cap_rows)) a.capture = cap_rows;
      ops::GetAttention(a.k_type, a.v_type)(a);
    }
  });
}

// Splits each item's keys into units of about the same size, so that every thread gets
// several units (a decode step has as few items as KV heads): units of at least kMinKeys
// keys, since each split costs a partial and its combination.
void PlanUnits(const AttentionBatch& b, int64_t n_items, int n_threads, AttentionScratch& scratch) {
  constexpr int kMinKeys = 256;
  constexpr int kUnitsPerThread = 4;
  int64_t total_keys = 0;
  for (int64_t i = 0; i < n_items; ++i) total_keys += b.Args(i, nullptr).n_keys;
  const int64_t target = std::max<int64_t>(n_items, int64_t(n_threads) * kUnitsPerThread);
  const int64_t unit_keys = std::max<int64_t>(kMinKeys, (total_keys + target - 1) / target);
  scratch.units.clear();
  scratch.split_items.clear();
  scratch.first_slot.clear();
  int64_t slots = 0;
  for (int64_t i = 0; i < n_items; ++i) {
    const int n_keys = b.Args(i, nullptr).n_keys;
    const int parts = int(std::max<int64_t>(1, (n_keys + unit_keys / 2) / unit_keys));
    if (parts > 1) {
      scratch.split_items.push_back(i);
      scratch.first_slot.push_back(slots);
    }
    for (int c = 0; c < parts; ++c) {
      const int lo = int(int64_t(n_keys) * c / parts);
      const int hi = int(int64_t(n_keys) * (c + 1) / parts);
      scratch.units.push_back({i, lo, hi - lo, parts > 1 ? slots++ : -1});
    }
  }
  scratch.partials.resize(size_t(slots) * b.rows * ops::PartialRowFloats(b.p.head_dim_v));
}

// The one-pass kernel over the units PlanUnits made, then the split items' partials combined.
void RunOnline(ThreadPool& pool, const AttentionBatch& b, int64_t n_items,
               AttentionScratch& scratch) {
  PlanUnits(b, n_items, pool.size(), scratch);
  const int64_t part_floats = b.rows * ops::PartialRowFloats(b.p.head_dim_v);
  const ops::AttentionOnlineFn kernel = ops::GetAttentionOnline();
  pool.Run([&](int thread, int n_threads) {
    float* work = scratch.work[thread].data();
    float* own = work + ops::AttentionOnlineScratchFloats(b.rows, b.p.head_dim);
    for (size_t u = thread; u < scratch.units.size(); u += n_threads) {
      const AttentionScratch::Unit& unit = scratch.units[u];
      ops::AttentionF16Args a = b.Args(unit.item, work);
      a.k += unit.lo * a.k_stride;
      a.v += unit.lo * a.v_stride;
      a.n_keys = unit.n_keys;
      float* partial = unit.slot < 0 ? own : scratch.partials.data() + unit.slot * part_floats;
      kernel(a, partial);
      if (unit.slot < 0) {
        ops::CombinePartials(partial, 1, a.n_rows, a.head_dim_v, a.sinks, a.out, a.out_stride);
      }
    }
  });
  const int64_t n_split = int64_t(scratch.split_items.size());
  if (n_split == 0) return;
  pool.Run([&](int thread, int n_threads) {
    for (int64_t i = thread; i < n_split; i += n_threads) {
      const int64_t item = scratch.split_items[i];
      const ops::AttentionF16Args a = b.Args(item, nullptr);
      const int64_t first = scratch.first_slot[i];
      const int64_t end = i + 1 < n_split ? scratch.first_slot[i + 1]
                                          : int64_t(scratch.partials.size()) / part_floats;
      ops::CombinePartials(scratch.partials.data() + first * part_floats, int(end - first),
                           a.n_rows, a.head_dim_v, a.sinks, a.out, a.out_stride);
    }
  });
}

bool AnyCapture(const AttentionCaptureRow* capture, int64_t n_tokens) {
  if (capture == nullptr) return false;
  for (int64_t t = 0; t < n_tokens; ++t) {
    if (capture[t].rows != nullptr) return true;
  }
  return false;
}
}  // namespace

void Attention(ThreadPool& pool, const AttentionParams& p, const float* q, const float* k,
               const float* v, int64_t n_tokens, const int32_t* positions, KvCache* const* caches,
               int layer, float* out, AttentionScratch& scratch,
               const AttentionCaptureRow* capture) {
  q = StoreKv(p, q, k, v, n_tokens, positions, caches, layer, scratch);
  AttentionBatch b{p, q, positions, caches, layer, out};
  if (!p.causal) b.last = LastPositions(n_tokens, positions, caches);
  int max_pos = 0;
  for (int64_t t = 0; t < n_tokens; ++t) {
    max_pos = std::max(max_pos, p.causal ? int(positions[t]) : b.last[t]);
  }
  const int group = p.n_head / p.n_head_kv;
  const bool online = max_pos + 1 >= p.online_min_keys && !AnyCapture(capture, n_tokens);
  b.rows = group;
  if (online) {
    b.items_per_token = p.n_head / b.rows;
    const size_t need = ops::AttentionOnlineScratchFloats(b.rows, p.head_dim) +
                        size_t(b.rows) * ops::PartialRowFloats(p.head_dim_v);
    scratch.work.resize(pool.size());
    for (auto& w : scratch.work) {
      if (w.size() < need) w.resize(need);
    }
    RunOnline(pool, b, b.n_items(n_tokens), scratch);
  } else {
    // When the groups leave threads idle (a decode step of a model with few KV heads), they
    // are split into fewer query rows.
    while (b.rows % 2 == 0 && n_tokens * p.n_head_kv * (group / b.rows) < pool.size()) {
      b.rows /= 2;
    }
    b.items_per_token = p.n_head / b.rows;
    scratch.Reserve(pool.size(), b.rows, max_pos + 1, p.head_dim);
    RunTwoPass(pool, b, b.n_items(n_tokens), scratch, capture);
  }
  const int rot_v = caches[0]->v_rotation();
  if (rot_v > 0) ops::HadamardChunks(out, n_tokens * p.n_head * p.head_dim_v, rot_v);
}

void SwiGlu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = (g / (1.0f + std::exp(-g))) * up[i];
  }
}

namespace {
float GeluTanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

// llama.cpp evaluates GELU through an F16 lookup table (F16 in, F16 out) between its
// saturation points.
float GeluF16(float g) {
  if (g <= -10.0f) return 0.0f;
  if (g >= 10.0f) return g;
  return F16ToF32(F32ToF16(GeluTanh(F16ToF32(F32ToF16(g)))));
}
}  // namespace

void GeGlu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = GeluF16(gate[i]) * up[i];
}

void Gelu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = GeluF16(x[i]);
}

}  // namespace inferno::blocks
