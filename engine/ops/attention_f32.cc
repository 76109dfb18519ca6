#include "engine/ops/attention_f32.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/ops/cpu_features.h"

namespace inferno::ops {

namespace {

constexpr int64_t kQueryBlock = 64;  // queries per work item: their scores take n * 256 bytes

int64_t Pad16(int64_t x) { return (x + 15) / 16 * 16; }

// One head's keys transposed (kt: head_dim_p rows of n_p) and values (vp: n_p rows of
// head_dim_p), zero-padded.
struct PackedHead {
  std::vector<float> kt, vp;
};

void PackHead(const AttentionF32Args& a, int h, int64_t n_p, int64_t d_p, PackedHead* out) {
  const int64_t width = int64_t(a.n_head) * a.head_dim;
  out->kt.assign(size_t(d_p * n_p), 0.0f);
  out->vp.assign(size_t(n_p * d_p), 0.0f);
  for (int64_t j = 0; j < a.n; ++j) {
    const float* kj = a.k + j * width + int64_t(h) * a.head_dim;
    const float* vj = a.v + j * width + int64_t(h) * a.head_dim;
    for (int e = 0; e < a.head_dim; ++e) out->kt[size_t(e * n_p + j)] = kj[e];
    std::copy_n(vj, a.head_dim, out->vp.data() + j * d_p);
  }
}

// The active ISA's pieces, chosen once per call.
struct Kernels {
  GemmF32Fn gemm;
  ScaleMaxFn scale_max;
  ExpShiftSumFn exp_shift_sum;
};
Kernels ActiveKernels() {
  if (ActiveIsa() == Isa::kAvx512) return {GemmF32Avx512, ScaleMaxAvx512, ExpShiftSumAvx512};
  return {GemmF32Scalar, ScaleMaxScalar, ExpShiftSumScalar};
}

// Queries i0..i0+rows-1 of head h: their scores over all keys, softmax, times the values.
void AttendBlock(const Kernels& k, const AttentionF32Args& a, int h, int64_t i0,
                 const PackedHead& p, int64_t n_p, int64_t d_p, std::vector<float>& qb,
                 std::vector<float>& s, std::vector<float>& ob) {
  const int64_t width = int64_t(a.n_head) * a.head_dim;
  const int64_t rows = std::min(kQueryBlock, a.n - i0), rows_p = (rows + 7) / 8 * 8;
  qb.assign(size_t(rows_p * d_p), 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(a.q + (i0 + r) * width + int64_t(h) * a.head_dim, a.head_dim, qb.data() + r * d_p);
  }
  s.resize(size_t(rows_p * n_p));
  k.gemm(rows_p, n_p, d_p, qb.data(), d_p, p.kt.data(), n_p, s.data(), n_p);
  // Softmax numerators; the normalisation is applied to the head_dim outputs instead of the
  // n probabilities (the same up to rounding, and n / head_dim times fewer multiplies).
  float inv[kQueryBlock];
  for (int64_t r = 0; r < rows; ++r) {
    float* sr = s.data() + r * n_p;
    const int64_t i = i0 + r;
    float mx;
    if (a.group == nullptr) {
      mx = k.scale_max(sr, a.n, a.scale);
    } else {
      mx = -INFINITY;
      for (int64_t j = 0; j < a.n; ++j) {
        sr[j] = a.group[j] == a.group[i] ? sr[j] * a.scale : -INFINITY;
        mx = std::max(mx, sr[j]);
      }
    }
    std::fill(sr + a.n, sr + n_p, -INFINITY);  // padding keys: weight 0
    inv[r] = float(1.0 / k.exp_shift_sum(sr, n_p, mx));
  }
  for (int64_t r = rows; r < rows_p; ++r) std::fill_n(s.data() + r * n_p, n_p, 0.0f);
  ob.resize(size_t(rows_p * d_p));
  k.gemm(rows_p, d_p, n_p, s.data(), n_p, p.vp.data(), d_p, ob.data(), d_p);
  for (int64_t r = 0; r < rows; ++r) {
    const float* o = ob.data() + r * d_p;
    float* dst = a.out + (i0 + r) * width + int64_t(h) * a.head_dim;
    for (int e = 0; e < a.head_dim; ++e) dst[e] = o[e] * inv[r];
  }
}

}  // namespace

void AttentionF32(ThreadPool& pool, const AttentionF32Args& a) {
  if (a.n <= 0) return;
  const int64_t n_p = Pad16(a.n), d_p = Pad16(a.head_dim);
  std::vector<PackedHead> heads(size_t(a.n_head));
  pool.ParallelFor(a.n_head, [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) PackHead(a, int(h), n_p, d_p, &heads[size_t(h)]);
  });
  const int64_t blocks = (a.n + kQueryBlock - 1) / kQueryBlock;
  const Kernels k = ActiveKernels();
  pool.ParallelFor(int64_t(a.n_head) * blocks, [&](int64_t begin, int64_t end) {
    std::vector<float> qb, s, ob;
    for (int64_t item = begin; item < end; ++item) {
      const int h = int(item / blocks);
      AttendBlock(k, a, h, (item % blocks) * kQueryBlock, heads[size_t(h)], n_p, d_p, qb, s, ob);
    }
  });
}

void GemmF32Scalar(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc) {
  for (int64_t m = 0; m < rows; ++m) {
    float* cm = c + m * ldc;
    std::fill_n(cm, n, 0.0f);
    for (int64_t x = 0; x < k; ++x) {
      const float am = a[m * lda + x];
      if (am == 0.0f) continue;
      const float* bx = b + x * ldb;
      for (int64_t j = 0; j < n; ++j) cm[j] += am * bx[j];
    }
  }
}

float ScaleMaxScalar(float* x, int64_t n, float scale) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i] *= scale);
  return mx;
}

double ExpShiftSumScalar(float* x, int64_t n, float max) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i] = std::exp(x[i] - max);
  return sum;
}

}  // namespace inferno::ops
