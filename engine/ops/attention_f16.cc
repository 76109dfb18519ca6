#include "engine/ops/attention_f16.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {

namespace {
size_t Round16(int n) { return (size_t(n) + 15) / 16 * 16; }
}  // namespace

// Rounded F32 queries (padded with zeros to whole vectors), then one row of scores per query
// (padded likewise), plus room to align both to 64 bytes.
size_t AttentionF16ScratchFloats(int n_rows, int n_keys, int head_dim) {
  return size_t(n_rows) * (Round16(head_dim) + Round16(n_keys)) + 16;
}

// The portable kernel (and the reference the SIMD ones are tested against): the same steps
// as the SIMD kernels, one element at a time, with std::exp.
void AttentionF16Scalar(const AttentionF16Args& a) {
  const size_t qs = Round16(a.head_dim), ss = Round16(a.n_keys);
  float* qf = a.scratch;
  float* scores = qf + a.n_rows * qs;
  for (int r = 0; r < a.n_rows; ++r) {
    // The query is rounded to F16 like the reference's F16 K·Q product.
    for (int d = 0; d < a.head_dim; ++d)
      qf[r * qs + d] = F16ToF32(F32ToF16(a.q[r * a.q_stride + d]));
  }
  for (int r = 0; r < a.n_rows; ++r) {
    const float* q = qf + r * qs;
    float* s = scores + r * ss;
    float max_score = -INFINITY;
    for (int j = 0; j < a.n_keys; ++j) {
      const auto* kj = reinterpret_cast<const uint16_t*>(a.k + j * a.k_stride);
      float dot = 0;
      for (int d = 0; d < a.head_dim; ++d) dot += q[d] * F16ToF32(kj[d]);
      s[j] = dot * a.scale;
      max_score = std::max(max_score, s[j]);
    }
    if (a.sinks != nullptr) max_score = std::max(max_score, a.sinks[r]);
    double sum = 0;
    for (int j = 0; j < a.n_keys; ++j) {
      s[j] = std::exp(s[j] - max_score);
      sum += s[j];
    }
    if (a.sinks != nullptr) sum += std::exp(a.sinks[r] - max_score);
    const float inv = float(1.0 / sum);
    float* cap = a.capture != nullptr ? a.capture[r] : nullptr;
    for (int j = 0; j < a.n_keys; ++j) {
      const float pj = s[j] * inv;
      if (cap != nullptr) cap[j] = pj;
      // Rounded to F16 before weighting V, matching the reference's F16 matmul.
      s[j] = F16ToF32(F32ToF16(pj));
    }
    float* out = a.out + r * a.out_stride;
    std::fill(out, out + a.head_dim_v, 0.0f);
  }
  for (int j = 0; j < a.n_keys; ++j) {
    const auto* vj = reinterpret_cast<const uint16_t*>(a.v + j * a.v_stride);
    for (int d = 0; d < a.head_dim_v; ++d) {
      const float vd = F16ToF32(vj[d]);
      for (int r = 0; r < a.n_rows; ++r) a.out[r * a.out_stride + d] += scores[r * ss + j] * vd;
    }
  }
}

AttentionF16Fn GetAttentionF16() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return AttentionF16Avx512;
    case Isa::kAvx2:
      return AttentionF16Avx2;
    default:  // scalar; ARM64 has no NEON kernel for this yet
      break;
  }
  return AttentionF16Scalar;
}

}  // namespace inferno::ops
