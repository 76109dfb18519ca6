// Matrix multiplication of quantized weights with float activations.
//
// As in llama.cpp, activations are first converted to the partner format of the weight type
// (Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL/MXFP4, Q8_1 for Q4_1/Q5_1, Q8_K for K-quants, IQ4_XS and
// the grid formats IQ3_XXS/IQ3_S/IQ2_S, F16 for F16, BF16 for BF16, F32 for F32) and then
// dotted with integer/half kernels. Converting once and reusing the result for every matrix
// that reads the same input (Q, K, V; gate, up) saves a pass.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor/dtype.h"
#include "engine/threads/thread_pool.h"

namespace inferno::ops {

// How a weight matrix's blocks are arranged in memory.
enum class WeightLayout {
  kRows,      // as in GGUF: row r at data + r * row_bytes
  kQ4_0R4,    // Q4_0 with four rows interleaved for the AVX-512 kernels (engine/ops/repack.h)
  kQ8_0R4,    // Q8_0, likewise
  kQ4_KR4,    // Q4_K, likewise
  kQ6_KR4,    // Q6_K, likewise
  kIQ4_XSR4,  // IQ4_XS, likewise
  kQ5_KR4,    // Q5_K, likewise (AVX2 kernels only so far)
};

// A weight matrix: `rows` rows of `cols` elements of `type`. Points into the mapped GGUF
// file (kRows) or a repacked copy owned by the model. row_bytes is the size of one logical
// row in either layout.
struct WeightMatrix {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;
  size_t row_bytes = 0;
  WeightLayout layout = WeightLayout::kRows;
};

// Row r of w as floats (any layout): for tests, probes and reference computations.
void DequantizeWeightRow(const WeightMatrix& w, int64_t r, float* out);

// The activation format the dot kernel of `weight_type` consumes.
DType ActivationType(DType weight_type);

// Activation rows converted for one weight type. Owns its buffer; reuse it across calls
// to avoid allocation per token (the buffer only grows).
class Activations {
 public:
  // Converts x[n_tokens][n] to ActivationType(weight_type). n must be a multiple of the
  // weight type's block size.
  void Quantize(ThreadPool& pool, DType weight_type, const float* x, int64_t n_tokens, int64_t n);

  // Becomes rows[0..n) of `src`, in that order, with their R4 sums: the same bytes as
  // quantizing those rows' floats again (rows are quantized independently), for a share of a
  // batch such as the tokens routed to one expert.
  void Gather(const Activations& src, const int32_t* rows, int64_t n);

  DType type() const { return type_; }
  int64_t n_tokens() const { return n_tokens_; }
  int64_t n() const { return n_; }
  const void* row(int64_t t) const { return buffer_.data() + t * row_bytes_; }
  size_t row_bytes() const { return row_bytes_; }
  // What the R4 kernels (engine/ops/r4.h) need besides the quantized row, per row; nullptr
  // when R4 weights cannot meet these activations (no AVX-512, or n not a multiple of the
  // superblock). Q8_0: per superblock of four blocks (R4Q8Superblock in r4.h) their scales,
  // their negated quant sums and their quants interleaved as the R4 weights are. Q8_K: per
  // superblock an R4Q8KForQ4K, then per superblock an R4Q8KForQ6K (r4.h).
  const void* r4_sums(int64_t t) const {
    return r4_sums_.empty()
               ? nullptr
               : reinterpret_cast<const uint8_t*>(r4_sums_.data()) + size_t(t) * r4_sums_stride_;
  }
  // Bytes from one row's r4_sums to the next.
  size_t r4_sums_stride() const { return r4_sums_stride_; }

 private:
  // Sets the shape and makes room for n_tokens rows and their R4 sums (none when the stride
  // is 0), keeping the buffers' memory for the next call.
  void Shape(DType type, int64_t n_tokens, int64_t n, size_t r4_sums_stride);

  DType type_ = DType::kF32;
  int64_t n_tokens_ = 0;
  int64_t n_ = 0;
  size_t row_bytes_ = 0;
  std::vector<uint8_t> buffer_;
  std::vector<float> r4_sums_;  // floats, or int16 pairs for Q8_K
  size_t r4_sums_stride_ = 0;
};

// y[t][r] = sum_k w[r][k] * x[t][k] for t < x.n_tokens(), r < w.rows.
// x must have been quantized for w.type with n == w.cols.
void MatMul(ThreadPool& pool, const WeightMatrix& w, const Activations& x, float* y);

// Convenience: quantizes x into `scratch` and multiplies.
void MatMul(ThreadPool& pool, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
            Activations& scratch);

}  // namespace inferno::ops
