#include "engine/ops/attention_kv.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/matmul.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {

namespace {

size_t Round16(int n) { return (size_t(n) + 15) / 16 * 16; }

// The scalar AxpyRows: the reference the SIMD ones are tested against.
template <DType T>
void AxpyRowsScalar(int64_t n, const void* x, int n_rows, const float* coef, int64_t coef_stride,
                    float* y, int64_t y_stride) {
  float block[kQK];
  const int64_t bs = T == DType::kF16 ? 1 : kQK;
  const size_t block_bytes = RowBytes(T, bs);
  for (int64_t i0 = 0; i0 < n; i0 += bs) {
    const int64_t m = std::min<int64_t>(bs, n - i0);
    DequantizeRow(T, static_cast<const uint8_t*>(x) + (i0 / bs) * block_bytes, block, m);
    for (int r = 0; r < n_rows; ++r) {
      const float c = coef[r * coef_stride];
      float* yr = y + r * y_stride + i0;
      for (int64_t i = 0; i < m; ++i) yr[i] = std::fma(c, block[i], yr[i]);
    }
  }
}

struct KvKernels {
  VecDotFn dot;     // keys against the converted query
  AxpyRowsFn axpy;  // values into the output rows
  ExpFn exp;        // e^x for x <= 0
};

// Row r's softmax over its scores, in place; the probabilities go to capture (if any), and
// are rounded to F16 when the values are F16 (llama.cpp's F16 V product).
void Softmax(const AttentionF16Args& a, int r, float* s, ExpFn exp) {
  float mx = -INFINITY;
  for (int j = 0; j < a.n_keys; ++j) mx = std::max(mx, s[j]);
  if (a.sinks != nullptr) mx = std::max(mx, a.sinks[r]);
  for (int j = 0; j < a.n_keys; ++j) s[j] -= mx;
  exp(s, s, a.n_keys);
  double sum = 0;
  for (int j = 0; j < a.n_keys; ++j) sum += s[j];
  if (a.sinks != nullptr) sum += std::exp(a.sinks[r] - mx);
  const float inv = float(1.0 / sum);
  float* cap = a.capture != nullptr ? a.capture[r] : nullptr;
  const bool round = a.v_type == DType::kF16;
  for (int j = 0; j < a.n_keys; ++j) {
    const float p = s[j] * inv;
    if (cap != nullptr) cap[j] = p;
    s[j] = round ? F16ToF32(F32ToF16(p)) : p;
  }
}

void AttentionKv(const AttentionF16Args& a, const KvKernels& kern) {
  // Query rows converted to the keys' partner type, each in the room of Round16(head_dim)
  // floats (any partner row is smaller), then one row of scores per query.
  const DType q_type = ActivationType(a.k_type);
  const size_t qs = Round16(a.head_dim), ss = Round16(a.n_keys);
  auto* qrows = reinterpret_cast<uint8_t*>(a.scratch);
  float* scores = a.scratch + a.n_rows * qs;
  for (int r = 0; r < a.n_rows; ++r) {
    QuantizeRow(q_type, a.q + r * a.q_stride, qrows + r * qs * sizeof(float), a.head_dim);
  }
  // Keys outer: one key row stays in L1 while every query row of the group meets it.
  for (int j = 0; j < a.n_keys; ++j) {
    const uint8_t* kj = a.k + j * a.k_stride;
    for (int r = 0; r < a.n_rows; ++r) {
      scores[r * ss + j] = kern.dot(a.head_dim, kj, qrows + r * qs * sizeof(float)) * a.scale;
    }
  }
  for (int r = 0; r < a.n_rows; ++r) {
    Softmax(a, r, scores + r * ss, kern.exp);
    std::fill_n(a.out + r * a.out_stride, a.head_dim_v, 0.0f);
  }
  for (int j = 0; j < a.n_keys; ++j) {
    kern.axpy(a.head_dim_v, a.v + j * a.v_stride, a.n_rows, scores + j, int64_t(ss), a.out,
              a.out_stride);
  }
}

}  // namespace

VecDotFn KeyDot(DType t, Isa isa) {
  for (;; isa = LowerIsa(isa)) {
    if (VecDotFn fn = GetVecDot(t, isa)) return fn;
    if (isa == Isa::kScalar) return nullptr;
  }
}

void ExpNonPositiveScalar(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}

AxpyRowsFn GetAxpyRows(DType t, Isa isa) {
  AxpyRowsFn fn = nullptr;
  if (isa == Isa::kAvx512) fn = Avx512AxpyRows(t);
  if (fn == nullptr && Supports(isa, Isa::kAvx2)) fn = Avx2AxpyRows(t);
  if (fn != nullptr) return fn;
  switch (t) {
    case DType::kF16:
      return AxpyRowsScalar<DType::kF16>;
    case DType::kQ8_0:
      return AxpyRowsScalar<DType::kQ8_0>;
    case DType::kQ4_0:
      return AxpyRowsScalar<DType::kQ4_0>;
    default:
      return nullptr;
  }
}

void AttentionKvScalar(const AttentionF16Args& a) {
  AttentionKv(a, {KeyDot(a.k_type, Isa::kScalar), GetAxpyRows(a.v_type, Isa::kScalar),
                  ExpNonPositiveScalar});
}

void AttentionKvAvx2(const AttentionF16Args& a) {
  AttentionKv(
      a, {KeyDot(a.k_type, Isa::kAvx2), GetAxpyRows(a.v_type, Isa::kAvx2), ExpNonPositiveAvx2});
}

void AttentionKvAvx512(const AttentionF16Args& a) {
  AttentionKv(a, {KeyDot(a.k_type, Isa::kAvx512), GetAxpyRows(a.v_type, Isa::kAvx512),
                  ExpNonPositiveAvx512});
}

void AttentionKvNeon(const AttentionF16Args& a) {
  AttentionKv(a, {KeyDot(a.k_type, ActiveIsa()), GetAxpyRows(a.v_type, Isa::kScalar),
                  ExpNonPositiveScalar});
}

AttentionF16Fn GetAttention(DType k_type, DType v_type) {
  if (k_type == DType::kF16 && v_type == DType::kF16) return GetAttentionF16();
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return AttentionKvAvx512;
    case Isa::kAvx2:
      return AttentionKvAvx2;
    case Isa::kNeon:
    case Isa::kNeonDotprod:
    case Isa::kNeonI8mm:
      return AttentionKvNeon;
    case Isa::kScalar:
      break;
  }
  return AttentionKvScalar;
}

}  // namespace inferno::ops
