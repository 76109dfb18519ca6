#include "engine/ops/attention_online.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/attention_kv.h"
#include "engine/ops/matmul.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {

namespace {

size_t Round16(int n) { return (size_t(n) + 15) / 16 * 16; }

// A tile's multi-row F16 scores (ScoresF16Avx2 / Avx512), or null: one dot call per key
// and row (the quantized keys, and F16 keys at the scalar level).
using ScoresFn = void (*)(const AttentionF16Args& a, const float* qf, size_t qs, float* scores,
                          size_t ss);

// A tile's F16 values into the accumulators (AddValuesF16Avx2 / Avx512), or null: AxpyRows
// per value row.
using ValuesFn = void (*)(const AttentionF16Args& a, const float* probs, size_t ss, float* out);

struct OnlineKernels {
  ScoresFn scores;  // F16 keys only; null: dot
  VecDotFn dot;     // keys against the query converted to ActivationType(k_type)
  VecDot4Fn dot4;   // four keys at once against one query row, or null
  ValuesFn values;  // F16 values only; null: axpy
  AxpyRowsFn axpy;  // values into the accumulators
  ExpFn exp;        // e^x for x <= 0
};

// Query rows as the score kernel consumes them, each in the room of Round16(head_dim)
// floats: F16-rounded F32 for `scores`, else the keys' dot partner (any partner row fits).
void ConvertQueries(const AttentionF16Args& a, const OnlineKernels& kern, float* qrows) {
  const size_t qs = Round16(a.head_dim);
  for (int r = 0; r < a.n_rows; ++r) {
    const float* q = a.q + r * a.q_stride;
    float* dst = qrows + r * qs;
    if (kern.scores != nullptr) {
      for (int d = 0; d < a.head_dim; ++d) dst[d] = F16ToF32(F32ToF16(q[d]));
      std::fill(dst + a.head_dim, dst + qs, 0.0f);
    } else {
      QuantizeRow(ActivationType(a.k_type), q, dst, a.head_dim);
    }
  }
}

// scores[r * kOnlineTile + j] for the tile's keys (t.k, t.n_keys).
void TileScores(const AttentionF16Args& t, const OnlineKernels& kern, const float* qrows,
                float* scores) {
  const size_t qs = Round16(t.head_dim);
  if (kern.scores != nullptr) return kern.scores(t, qrows, qs, scores, kOnlineTile);
  int j = 0;
  if (kern.dot4 != nullptr) {
    // Four consecutive keys are four rows of a matrix with row stride k_stride: the matmul's
    // four-row kernel takes them with one call and one query conversion per block.
    for (; j + 4 <= t.n_keys; j += 4) {
      for (int r = 0; r < t.n_rows; ++r) {
        float* s = scores + r * kOnlineTile + j;
        kern.dot4(t.head_dim, t.k + j * t.k_stride, size_t(t.k_stride), qrows + r * qs, s);
        for (int i = 0; i < 4; ++i) s[i] *= t.scale;
      }
    }
  }
  for (; j < t.n_keys; ++j) {
    const uint8_t* kj = t.k + j * t.k_stride;
    for (int r = 0; r < t.n_rows; ++r) {
      scores[r * kOnlineTile + j] = kern.dot(t.head_dim, kj, qrows + r * qs) * t.scale;
    }
  }
}

// Folds one tile of a row's scores into its running state: the new maximum, the accumulators
// and sum rescaled to it, and the scores replaced by their weights e^(s - max).
void UpdateRow(float* s, int n, ExpFn exp, float* acc, int head_dim_v, float* max, float* sum) {
  float tile_max = s[0];
  for (int j = 1; j < n; ++j) tile_max = std::max(tile_max, s[j]);
  if (tile_max > *max) {
    // e^(-inf) = 0 on the first tile: the (zero) accumulators stay zero.
    const float c = std::exp(*max - tile_max);
    for (int d = 0; d < head_dim_v; ++d) acc[d] *= c;
    *sum *= c;
    *max = tile_max;
  }
  for (int j = 0; j < n; ++j) s[j] -= *max;
  exp(s, s, n);
  float tile_sum = 0;
  for (int j = 0; j < n; ++j) tile_sum += s[j];
  *sum += tile_sum;
}

// The tile's values (t.v, t.n_keys) weighted by `weights` into the rows' accumulators at
// acc + r * t.out_stride; each value row converted once for all query rows of the KV head.
void AddTileValues(const AttentionF16Args& t, const OnlineKernels& kern, const float* weights,
                   float* acc) {
  if (kern.values != nullptr) return kern.values(t, weights, kOnlineTile, acc);
  for (int j = 0; j < t.n_keys; ++j) {
    kern.axpy(t.head_dim_v, t.v + j * t.v_stride, t.n_rows, weights + j, kOnlineTile, acc,
              t.out_stride);
  }
}

void AttentionOnline(const AttentionF16Args& a, const OnlineKernels& kern, float* partial) {
  const int64_t ps = PartialRowFloats(a.head_dim_v);
  const int64_t state = ps - 16;  // the maximum at acc + state, the sum after it
  float* qrows = a.scratch;
  float* scores = qrows + a.n_rows * Round16(a.head_dim);
  ConvertQueries(a, kern, qrows);
  for (int r = 0; r < a.n_rows; ++r) {
    float* p = partial + r * ps;
    std::fill(p, p + state, 0.0f);
    p[state] = -INFINITY;
    p[state + 1] = 0.0f;
  }
  for (int j0 = 0; j0 < a.n_keys; j0 += kOnlineTile) {
    AttentionF16Args t = a;
    t.k = a.k + j0 * a.k_stride;
    t.n_keys = std::min(kOnlineTile, a.n_keys - j0);
    TileScores(t, kern, qrows, scores);
    for (int r = 0; r < a.n_rows; ++r) {
      float* p = partial + r * ps;
      UpdateRow(scores + r * kOnlineTile, t.n_keys, kern.exp, p, a.head_dim_v, p + state,
                p + state + 1);
    }
    t.v = a.v + j0 * a.v_stride;
    t.out_stride = ps;
    AddTileValues(t, kern, scores, partial);
  }
}

}  // namespace

size_t AttentionOnlineScratchFloats(int n_rows, int head_dim) {
  return size_t(n_rows) * (Round16(head_dim) + kOnlineTile);
}

void AttentionOnlineScalar(const AttentionF16Args& a, float* partial) {
  const OnlineKernels kern{nullptr, KeyDot(a.k_type, Isa::kScalar),      nullptr,
                           nullptr, GetAxpyRows(a.v_type, Isa::kScalar), ExpNonPositiveScalar};
  AttentionOnline(a, kern, partial);
}

void AttentionOnlineAvx2(const AttentionF16Args& a, float* partial) {
  const bool f16_k = a.k_type == DType::kF16 && a.head_dim % 8 == 0;
  const bool f16_v = a.v_type == DType::kF16 && a.head_dim_v % 8 == 0;
  const OnlineKernels kern{
      f16_k ? ScoresF16Avx2 : nullptr,    KeyDot(a.k_type, Isa::kAvx2),      nullptr,
      f16_v ? AddValuesF16Avx2 : nullptr, GetAxpyRows(a.v_type, Isa::kAvx2), ExpNonPositiveAvx2};
  AttentionOnline(a, kern, partial);
}

void AttentionOnlineAvx512(const AttentionF16Args& a, float* partial) {
  const bool f16_k = a.k_type == DType::kF16, f16_v = a.v_type == DType::kF16;
  const OnlineKernels kern{
      f16_k ? ScoresF16Avx512 : nullptr,         KeyDot(a.k_type, Isa::kAvx512),
      f16_k ? nullptr : Avx512VecDot4(a.k_type), f16_v ? AddValuesF16Avx512 : nullptr,
      GetAxpyRows(a.v_type, Isa::kAvx512),       ExpNonPositiveAvx512};
  AttentionOnline(a, kern, partial);
}

void AttentionOnlineNeon(const AttentionF16Args& a, float* partial) {
  const OnlineKernels kern{nullptr, KeyDot(a.k_type, ActiveIsa()),       nullptr,
                           nullptr, GetAxpyRows(a.v_type, Isa::kScalar), ExpNonPositiveScalar};
  AttentionOnline(a, kern, partial);
}

AttentionOnlineFn GetAttentionOnline() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return AttentionOnlineAvx512;
    case Isa::kAvx2:
      return AttentionOnlineAvx2;
    case Isa::kNeon:
    case Isa::kNeonDotprod:
    case Isa::kNeonI8mm:
      return AttentionOnlineNeon;
    case Isa::kScalar:
      break;
  }
  return AttentionOnlineScalar;
}

void CombinePartials(const float* parts, int n_parts, int n_rows, int head_dim_v,
                     const float* sinks, float* out, int64_t out_stride) {
  const int64_t ps = PartialRowFloats(head_dim_v);
  const int64_t state = ps - 16;
  for (int r = 0; r < n_rows; ++r) {
    float m = sinks != nullptr ? sinks[r] : -INFINITY;
    for (int c = 0; c < n_parts; ++c) m = std::max(m, parts[(c * n_rows + r) * ps + state]);
    float* o = out + r * out_stride;
    std::fill(o, o + head_dim_v, 0.0f);
    double sum = sinks != nullptr ? std::exp(double(sinks[r]) - m) : 0.0;
    for (int c = 0; c < n_parts; ++c) {
      const float* p = parts + (c * n_rows + r) * ps;
      // A part whose keys all scored -inf has sum 0 and weight e^(-inf - m) = 0.
      const float w = std::exp(p[state] - m);
      if (!(w > 0)) continue;
      sum += double(w) * p[state + 1];
      for (int d = 0; d < head_dim_v; ++d) o[d] += w * p[d];
    }
    const float inv = float(1.0 / sum);
    for (int d = 0; d < head_dim_v; ++d) o[d] *= inv;
  }
}

}  // namespace inferno::ops
