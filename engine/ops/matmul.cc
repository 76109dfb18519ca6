#include "engine/ops/matmul.h"

#include <algorithm>
#include <cstdlib>

#include "engine/ops/vec_dot.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {

DType ActivationType(DType w) {
  switch (w) {
    case DType::kF32:
      return DType::kF32;
    case DType::kF16:
      return DType::kF16;
    case DType::kBF16:
      return DType::kBF16;
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
      return DType::kQ8_0;
    case DType::kQ4_1:
    case DType::kQ5_1:
      return DType::kQ8_1;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
      return DType::kQ8_K;
    default:
      return DType::kF32;
  }
}

void Activations::Quantize(ThreadPool& pool, DType weight_type, const float* x, int64_t n_tokens,
                           int64_t n) {
  type_ = ActivationType(weight_type);
  n_tokens_ = n_tokens;
  n_ = n;
  row_bytes_ = RowBytes(type_, n);
  if (buffer_.size() < row_bytes_ * n_tokens) buffer_.resize(row_bytes_ * n_tokens);
  auto quantize = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      QuantizeRow(type_, x + t * n, buffer_.data() + t * row_bytes_, n);
    }
  };
  if (n_tokens == 1) {
    quantize(0, 1);  // a fork/join costs more than one row
  } else {
    pool.ParallelFor(n_tokens, quantize);
  }
}

void MatMul(ThreadPool& pool, const WeightMatrix& w, const Activations& x, float* y) {
  const VecDotFn dot = GetVecDot(w.type);
  const VecDot4Fn dot4 = GetVecDot4(w.type);
  if (dot == nullptr || x.type() != ActivationType(w.type) || x.n() != w.cols) std::abort();
  const int64_t n_tokens = x.n_tokens();
  const auto* base = static_cast<const uint8_t*>(w.data);
  // Rows are split across threads. Within a thread, a tile of rows is dotted with every
  // token before moving on, so during prefill the tile stays in cache while the
  // activations stream past it; during decode (one token) this is a plain row sweep.
  constexpr int64_t kTileRows = 16;
  const Gemm4x4Fn gemm = n_tokens >= 4 ? GetGemm4x4(w.type) : nullptr;
  pool.ParallelFor(
      w.rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r0 = begin; r0 < end; r0 += kTileRows) {
          const int64_t r1 = std::min(end, r0 + kTileRows);
          int64_t t = 0;
          if (gemm != nullptr) {
            // 4×4 tiles: each weight block is unpacked once for four tokens.
            const int64_t r4 = r0 + (r1 - r0) / 4 * 4;
            for (; t + 4 <= n_tokens; t += 4) {
              for (int64_t r = r0; r < r4; r += 4) {
                gemm(w.cols, base + r * w.row_bytes, w.row_bytes, x.row(t), x.row_bytes(),
                     y + t * w.rows + r, size_t(w.rows));
              }
              for (int64_t k = t; k < t + 4; ++k) {
                for (int64_t r = r4; r < r1; ++r) {
                  y[k * w.rows + r] = dot(w.cols, base + r * w.row_bytes, x.row(k));
                }
              }
            }
          }
          for (; t < n_tokens; ++t) {
            const void* a = x.row(t);
            float* out = y + t * w.rows;
            int64_t r = r0;
            if (dot4 != nullptr) {
              for (; r + 4 <= r1; r += 4) {
                dot4(w.cols, base + r * w.row_bytes, w.row_bytes, a, out + r);
              }
            }
            for (; r < r1; ++r) out[r] = dot(w.cols, base + r * w.row_bytes, a);
          }
        }
      },
      // Decode splits at the four-row kernel's granularity so small matrices still spread
      // over all threads; prefill keeps whole tiles per thread.
      /*align=*/n_tokens == 1 ? 4 : kTileRows);
}

void MatMul(ThreadPool& pool, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
            Activations& scratch) {
  scratch.Quantize(pool, w.type, x, n_tokens, w.cols);
  MatMul(pool, w, scratch, y);
}

}  // namespace inferno::ops
