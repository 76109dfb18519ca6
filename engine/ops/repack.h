// Weight layouts that suit the SIMD kernels better than GGUF's row-major blocks.
//
// Q4_0 in GGUF stores each row as 18-byte blocks (an F16 scale, then 16 bytes holding 32
// nibbles). A decode kernel over that layout spends most of its instructions on narrow
// 128-bit loads, scalar F16 scale conversions and per-block broadcasts, so it is bound by
// instruction throughput, not memory. The R4 layout interleaves four rows:
//
//   quants: for each group of 4 rows g, superblock s (4 blocks = 128 columns), block b, row r:
//           the 16 quant bytes of (row 4g+r, block 4s+b) at ((g*nsb + s)*16 + b*4 + r) * 16
//   scales: after all quants, the F16 scales in the same order, 2 bytes each
//
// so one 512-bit load brings block b of all four rows and one 256-bit load all 16 scales of
// a superblock. The quants region of a group is 64-byte aligned (no split cache lines) and
// the matrix takes exactly as many bytes as in GGUF.
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

// Geometry of the R4 layout, shared by the kernels and MatMul.
constexpr int64_t kR4Rows = 4;
constexpr int64_t kR4SuperblockCols = 128;
inline const uint8_t* R4Quants(const WeightMatrix& w, int64_t group) {
  return static_cast<const uint8_t*>(w.data) + size_t(group) * size_t(w.cols / 2 * kR4Rows);
}
inline const uint16_t* R4Scales(const WeightMatrix& w, int64_t group) {
  const auto* scales = reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(w.data) +
                                                         size_t(w.rows) * size_t(w.cols / 2));
  return scales + size_t(group) * size_t(w.cols / 32 * kR4Rows);
}

}  // namespace inferno::ops
