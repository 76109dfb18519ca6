#include "engine/model/blocks.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/axpy_f16.h"
#include "engine/ops/vec_dot.h"
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

void AddBias(float* x, const float* bias, int64_t n_tokens, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) Add(x + t * n, bias, n);
}

void Add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void Rope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
          const RopeParams& p) {
  const int half = p.n_rot / 2;
  // Angles are built by repeated multiplication, as llama.cpp does, so that our rotations
  // agree with the reference to the last bit rather than to powf's rounding.
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  std::vector<float> cos_sin(p.n_rot);
  for (int64_t t = 0; t < n_tokens; ++t) {
    float theta = float(positions[t]);
    for (int i = 0; i < half; ++i) {
      const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
      const float angle = p.freq_scale * (theta / ff);
      cos_sin[2 * i] = std::cos(angle);
      cos_sin[2 * i + 1] = std::sin(angle);
      theta *= theta_scale;
    }
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

void AttentionScratch::Reserve(int n_threads, int n_ctx, int head_dim) {
  scores.resize(n_threads);
  half.resize(n_threads);
  for (int i = 0; i < n_threads; ++i) {
    if (int(scores[i].size()) < n_ctx) scores[i].resize(n_ctx);
    const size_t need = size_t(std::max(n_ctx, head_dim));
    if (half[i].size() < need) half[i].resize(need);
  }
}

namespace {

// One query head of one token against the cached keys/values it may see.
void AttendHead(const AttentionParams& p, const float* q, int pos, int kv_head,
                const KvCache& cache, int layer, float* out, float* scores, uint16_t* half,
                ops::VecDotFn dot_f16, ops::AxpyF16Fn axpy_f16, float* capture) {
  const int lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
  // The query is rounded to F16 like the reference's F16 K·Q product.
  for (int i = 0; i < p.head_dim; ++i) half[i] = F32ToF16(q[i]);
  float max_score = -INFINITY;
  for (int j = lo; j <= pos; ++j) {
    const uint16_t* kj = cache.k(layer, j) + kv_head * p.head_dim;
    const float s = dot_f16(p.head_dim, kj, half) * p.kq_scale;
    scores[j] = s;
    max_score = std::max(max_score, s);
  }
  double sum = 0;
  for (int j = lo; j <= pos; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    sum += scores[j];
  }
  const float inv = float(1.0 / sum);
  if (capture != nullptr) {
    for (int j = lo; j <= pos; ++j) capture[j] = scores[j] * inv;
  }
  // Probabilities are rounded to F16 before weighting V, matching the reference's F16 matmul.
  std::fill(out, out + p.head_dim_v, 0.0f);
  for (int j = lo; j <= pos; ++j) {
    const float pj = F16ToF32(F32ToF16(scores[j] * inv));
    axpy_f16(p.head_dim_v, pj, cache.v(layer, j) + kv_head * p.head_dim_v, out);
  }
}

}  // namespace

void Attention(ThreadPool& pool, const AttentionParams& p, const float* q, const float* k,
               const float* v, int64_t n_tokens, const int32_t* positions, KvCache* const* caches,
               int layer, float* out, AttentionScratch& scratch,
               const AttentionCaptureRow* capture) {
  const int k_dim = p.n_head_kv * p.head_dim;
  const int v_dim = p.n_head_kv * p.head_dim_v;
  for (int64_t t = 0; t < n_tokens; ++t) {
    uint16_t* kc = caches[t]->k(layer, positions[t]);
    uint16_t* vc = caches[t]->v(layer, positions[t]);
    for (int i = 0; i < k_dim; ++i) kc[i] = F32ToF16(k[t * k_dim + i]);
    for (int i = 0; i < v_dim; ++i) vc[i] = F32ToF16(v[t * v_dim + i]);
  }
  int max_pos = 0;
  for (int64_t t = 0; t < n_tokens; ++t) max_pos = std::max(max_pos, int(positions[t]));
  scratch.Reserve(pool.size(), max_pos + 1, p.head_dim);
  const int group = p.n_head / p.n_head_kv;
  const int64_t n_items = n_tokens * p.n_head;
  const ops::VecDotFn dot_f16 = ops::GetVecDot(DType::kF16);
  const ops::AxpyF16Fn axpy_f16 = ops::GetAxpyF16();
  pool.Run([&](int thread, int n_threads) {
    float* scores = scratch.scores[thread].data();
    uint16_t* half = scratch.half[thread].data();
    for (int64_t item = thread; item < n_items; item += n_threads) {
      const int64_t t = item / p.n_head;
      const int h = int(item % p.n_head);
      float* cap = nullptr;
      if (capture != nullptr && capture[t].rows != nullptr) {
        const AttentionCaptureRow& row = capture[t];
        const int slot = row.head_slot != nullptr ? row.head_slot[h] : h;
        if (slot >= 0) cap = row.rows + slot * row.stride;
      }
      AttendHead(p, q + (t * p.n_head + h) * p.head_dim, positions[t], h / group, *caches[t], layer,
                 out + (t * p.n_head + h) * p.head_dim_v, scores, half, dot_f16, axpy_f16, cap);
    }
  });
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
}  // namespace

void GeGlu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    float a;
    if (g <= -10.0f) {
      a = 0.0f;
    } else if (g >= 10.0f) {
      a = g;
    } else {
      // llama.cpp evaluates GELU through an F16 lookup table: F16 in, F16 out.
      a = F16ToF32(F32ToF16(GeluTanh(F16ToF32(F32ToF16(g)))));
    }
    out[i] = a * up[i];
  }
}

}  // namespace inferno::blocks
