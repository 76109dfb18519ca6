// Weight layouts that suit the SIMD kernels better than GGUF's row-major blocks.
//
// Q4_0 and Q8_0 in GGUF store each row as blocks of 32 weights (an F16 scale, then 16 bytes
// of nibbles or 32 bytes). A decode kernel over that layout spends most of its instructions
// on narrow loads, scalar F16 scale conversions and per-block broadcasts, so it is bound by
// instruction throughput, not memory. The R4 layouts interleave four rows:
//
//   quants: for each group of 4 rows g and block i (32 columns): the block's quants of rows
//           4g..4g+3, 4 × Q bytes, at (g*nb + i) * 4Q, where Q is 16 (Q4_0) or 32 (Q8_0)
//           Q4_0: row r's 16 nibble bytes at r*16 (as in GGUF: element j low, j+16 high)
//           Q8_0: row r's elements 0..15 at r*16, elements 16..31 at 64 + r*16, each stored
//                 as byte + 128 (unsigned, for the unsigned×signed byte dot product)
//   scales: after all quants, the F16 scales, (row 4g+r, block i) at (g*nb + i)*4 + r
//
// so one or two 512-bit loads bring a block of all four rows (each row in its own 128-bit
// lane) and one 256-bit load the 16 scales of four blocks (a superblock, 128 columns, the
// kernels' step; columns must be a multiple of it). Groups are 64-byte aligned (no split
// cache lines) and the matrix takes exactly as many bytes as in GGUF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/ops/matmul.h"

namespace inferno::ops {

// Bytes owned by a model for repacked weights, 64-byte aligned.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(size_t size);
  uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// Whether MatMul multiplies w faster after RepackWeights on this CPU (at the active ISA).
bool ShouldRepack(const WeightMatrix& w);

// Copies w (kRows) into `storage` in the layout ShouldRepack chose and returns the matrix
// that views it. w's own bytes are not modified.
WeightMatrix RepackWeights(const WeightMatrix& w, AlignedBytes* storage);

// Geometry of the R4 layouts, shared by the kernels and MatMul.
constexpr int64_t kR4Rows = 4;
constexpr int64_t kR4SuperblockCols = 128;
// Quant bytes of one row per block of 32.
inline size_t R4QuantBytes(WeightLayout layout) {
  return layout == WeightLayout::kQ4_0R4 ? 16 : 32;
}
inline const uint8_t* R4Quants(const WeightMatrix& w, int64_t group) {
  return static_cast<const uint8_t*>(w.data) +
         size_t(group) * size_t(w.cols / 32 * kR4Rows) * R4QuantBytes(w.layout);
}
// Index of (block i, row r of the group) among a group's scales.
inline size_t R4ScaleIndex(int64_t i, int64_t r) { return size_t(i * kR4Rows + r); }
inline const uint16_t* R4Scales(const WeightMatrix& w, int64_t group) {
  const auto* scales = reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(w.data) +
                                                         size_t(w.rows) * size_t(w.cols / 32) *
                                                             R4QuantBytes(w.layout));
  return scales + size_t(group) * size_t(w.cols / 32 * kR4Rows);
}

}  // namespace inferno::ops
