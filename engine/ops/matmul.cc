#include "engine/ops/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "engine/ops/cpu_features.h"
#include "engine/ops/quantize_activations.h"
#include "engine/ops/r4.h"
#include "engine/ops/repack.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
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
    case DType::kIQ4_NL:  // codebook formats with one scale per 32: as llama.cpp
    case DType::kMXFP4:
      return DType::kQ8_0;
    case DType::kQ4_1:
    case DType::kQ5_1:
      return DType::kQ8_1;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_XS:
    case DType::kIQ3_XXS:
    case DType::kIQ3_S:
    case DType::kIQ2_S:
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return DType::kQ8_K;
    default:
      return DType::kF32;
  }
}

void Activations::Shape(DType type, int64_t n_tokens, int64_t n, size_t r4_sums_stride) {
  type_ = type;
  n_tokens_ = n_tokens;
  n_ = n;
  row_bytes_ = RowBytes(type, n);
  r4_sums_stride_ = r4_sums_stride;
  if (buffer_.size() < row_bytes_ * n_tokens) buffer_.resize(row_bytes_ * n_tokens);
  const size_t sums_floats = (r4_sums_stride_ * n_tokens + sizeof(float) - 1) / sizeof(float);
  if (r4_sums_.size() < sums_floats) r4_sums_.resize(sums_floats);
  if (r4_sums_stride_ == 0) r4_sums_.clear();
}

void Activations::Gather(const Activations& src, const int32_t* rows, int64_t n) {
  Shape(src.type_, n, src.n_, src.r4_sums_stride_);
  auto* sums = reinterpret_cast<uint8_t*>(r4_sums_.data());
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(buffer_.data() + i * row_bytes_, src.row(rows[i]), row_bytes_);
    if (r4_sums_stride_ != 0) {
      std::memcpy(sums + i * r4_sums_stride_, src.r4_sums(rows[i]), r4_sums_stride_);
    }
  }
}

namespace {

// Whether activations of this type may meet an R4 matrix, whose kernels want per-block sums
// of them (see r4_sums): any activations of the partner format may (one quantization serves
// Q, K and V) when the active ISA has an R4 kernel of that partner. Fixed for the process,
// as the active ISA is.
bool MayMeetR4(DType activation_type) {
  auto any = [](std::initializer_list<WeightLayout> layouts) {
    for (WeightLayout layout : layouts) {
      if (GetR4Kernels(layout).available()) return true;
    }
    return false;
  };
  static const bool q8_0 = any({WeightLayout::kQ4_0R4, WeightLayout::kQ8_0R4});
  static const bool q8_k = any({WeightLayout::kQ4_KR4, WeightLayout::kQ5_KR4, WeightLayout::kQ6_KR4,
                                WeightLayout::kIQ4_XSR4});
  return activation_type == DType::kQ8_0 ? q8_0 : activation_type == DType::kQ8_K && q8_k;
}

}  // namespace

void Activations::Quantize(ThreadPool& pool, DType weight_type, const float* x, int64_t n_tokens,
                           int64_t n) {
  const DType type = ActivationType(weight_type);
  const bool q8_0_sums = type == DType::kQ8_0 && n % 128 == 0 && MayMeetR4(DType::kQ8_0);
  const bool q8_k_sums = type == DType::kQ8_K && n % 256 == 0 && MayMeetR4(DType::kQ8_K);
  const int64_t nb = n / 32;
  Shape(type, n_tokens, n,
        q8_0_sums   ? size_t(nb / 4) * sizeof(R4Q8Superblock)
        : q8_k_sums ? size_t(nb / 8) * (sizeof(R4Q8KForQ4K) + sizeof(R4Q8KForQ6K))
                    : 0);
  const QuantizeActivationsFn simd = GetQuantizeActivations(type_);
  auto quantize = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      uint8_t* row = buffer_.data() + t * row_bytes_;
      if (simd != nullptr) {
        simd(x + t * n, row, n);
      } else {
        QuantizeRow(type_, x + t * n, row, n);
      }
      auto* sums = reinterpret_cast<uint8_t*>(r4_sums_.data()) + t * r4_sums_stride_;
      if (q8_0_sums) {
        const auto* blocks = reinterpret_cast<const BlockQ8_0*>(row);
        auto* superblocks = reinterpret_cast<R4Q8Superblock*>(sums);
        for (int64_t i = 0; i < nb; ++i) {
          R4Q8Superblock& sb = superblocks[i / 4];
          const int j = int(i % 4);
          int32_t sum = 0;
          for (int8_t q : blocks[i].qs) sum += q;
          sb.d[j] = F16ToF32(blocks[i].d);
          sb.neg8_sum[j] = -8 * sum;
          sb.neg128_sum[j] = -128 * sum;
          for (int c = 0; c < 8; ++c) std::memcpy(&sb.qs[c][4 * j], blocks[i].qs + 4 * c, 4);
        }
      } else if (q8_k_sums) {
        const auto* blocks = reinterpret_cast<const BlockQ8_K*>(row);
        auto* for_q4k = reinterpret_cast<R4Q8KForQ4K*>(sums);
        auto* for_q6k = reinterpret_cast<R4Q8KForQ6K*>(sums + size_t(nb / 8) * sizeof(R4Q8KForQ4K));
        for (int64_t i = 0; i < nb / 8; ++i) {
          const BlockQ8_K& b = blocks[i];
          R4Q8KForQ4K& q4 = for_q4k[i];
          R4Q8KForQ6K& q6 = for_q6k[i];
          q4.d = q6.d = b.d;
          for (int j = 0; j < 8; ++j) {
            q4.sum32[j] = int16_t(b.bsums[2 * j] + b.bsums[2 * j + 1]);  // |sum| <= 32 * 127
            for (int m = 0; m < 8; ++m) {
              std::memcpy(&q4.qs[8 * (j / 4) + m][4 * (j % 4)], b.qs + 32 * j + 4 * m, 4);
            }
          }
          for (int g = 0; g < 16; ++g) {
            q6.neg32_sum16[g] = -32 * b.bsums[g];
            for (int m = 0; m < 4; ++m) {
              std::memcpy(&q6.qs[4 * (g / 4) + m][4 * (g % 4)], b.qs + 16 * g + 4 * m, 4);
            }
          }
        }
      }
    }
  };
  if (n_tokens == 1) {
    quantize(0, 1);  // a fork/join costs more than one row
  } else {
    pool.ParallelFor(n_tokens, quantize);
  }
}

void DequantizeWeightRow(const WeightMatrix& w, int64_t r, float* out) {
  if (w.layout == WeightLayout::kRows) {
    DequantizeRow(w.type, static_cast<const uint8_t*>(w.data) + size_t(r) * w.row_bytes, out,
                  w.cols);
    return;
  }
  R4DequantizeRow(w, r, out);
}

namespace {

// MatMul for the R4 layouts: groups of four rows split across threads; four-token tiles
// during prefill, the one-token kernel for the rest.
void MatMulR4(ThreadPool& pool, const WeightMatrix& w, const Activations& x, float* y) {
  const R4Kernels kernels = GetR4Kernels(w.layout);
  if (!kernels.available() || x.r4_sums(0) == nullptr) std::abort();
  const int64_t n_tokens = x.n_tokens();
  const size_t sums_stride = x.r4_sums_stride();
  constexpr int64_t kTileGroups = 4;
  // Two groups per tile call share the activation loads (prefill: +30% on Q4_0); a batch of a
  // few decode tokens streams the weights from memory, and there one group at a time measured
  // faster (llama1b-Q4_0, 4 sequences: 150 vs 125 t/s).
  const int max_groups = n_tokens >= 8 ? 2 : 1;
  pool.ParallelFor(
      w.rows / kR4Rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t g0 = begin; g0 < end; g0 += kTileGroups) {
          const int64_t g1 = std::min(end, g0 + kTileGroups);
          int64_t t = 0;
          for (; t + 4 <= n_tokens; t += 4) {
            for (int64_t g = g0; g < g1; g += max_groups) {
              const int groups = g + 1 < g1 ? max_groups : 1;
              kernels.gemm(w.cols, groups, R4Quants(w, g), R4Meta(w, g), x.r4_sums(t), sums_stride,
                           y + t * w.rows + g * kR4Rows, size_t(w.rows));
            }
          }
          for (; t < n_tokens; ++t) {
            for (int64_t g = g0; g < g1; ++g) {
              kernels.dot(w.cols, R4Quants(w, g), R4Meta(w, g), x.r4_sums(t),
                          y + t * w.rows + g * kR4Rows);
            }
          }
        }
      },
      /*align=*/n_tokens == 1 ? 1 : kTileGroups);
}

}  // namespace

void MatMul(ThreadPool& pool, const WeightMatrix& w, const Activations& x, float* y) {
  if (w.layout != WeightLayout::kRows) {
    if (x.type() != ActivationType(w.type) || x.n() != w.cols) std::abort();
    MatMulR4(pool, w, x, y);
    return;
  }
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
