// Weight layouts that suit the SIMD kernels better than GGUF's row-major blocks.
//
// GGUF stores each row as a run of blocks (Q4_0/Q8_0: 32 weights and an F16 scale; Q4_K/Q6_K:
// 256 weights with packed sub-block scales). A decode kernel over that layout spends most of
// its instructions on narrow loads, scale unpacking and per-block broadcasts, so it is bound
// by instruction throughput, not memory. The R4 layouts interleave four rows (a group) so
// that one 512-bit load brings the same 16 bytes of all four rows, each row in its own
// 128-bit lane, and a group's scales arrive ready to spread over those lanes. Each group is
// stored as its quants (all groups first, 64-byte aligned) and its "meta" (scales etc.,
// after all quants). AVX2 reads the same bytes as two 256-bit halves (rows 0-1, rows 2-3;
// r4_avx2.cc), for the layouts whose quants are small enough for vpmaddubsw:
//
// Q4_0 / Q8_0 (superblock = 4 blocks of 32 = 128 columns; columns must be a multiple):
//   quants: per superblock, Q/4 vectors of 64 bytes (Q = 16 quant bytes per block and row
//           for Q4_0, 32 for Q8_0); in vector v, row r's 16 bytes at r*16 are 4 bytes from each
//           block j of the superblock: bytes 4v..4v+3 of block j at r*16 + 4j. So one 32-bit
//           lane of a vpdpbusd holds one (row, block) pair, and a superblock's integer dots
//           end up in 16 lanes, one per (row, block), without any shuffling.
//           Q4_0 bytes are GGUF's nibble bytes (element e low, e+16 high); Q8_0 bytes are
//           stored + 128 (unsigned, for the unsigned×signed byte dot product).
//   meta:   the F16 scales, per superblock 16 of them, (block j, row r) at 4r + j
//           (R4ScaleIndex). Same bytes as GGUF.
//   The activations come interleaved the same way (Activations::r4_sums).
// Q4_K (superblock = one block of 256), the same idea with one lane per (row, sub-block of
//   32): 512 bytes of quants, for each half e (sub-blocks 4e..4e+3) four 64-byte vectors m;
//   in vector m, row r's bytes 4k..4k+3 at r*16 + 4k hold quants 4m..4m+3 of sub-block 4e+k in
//   their low nibbles and quants 16+4m..16+4m+3 in their high nibbles (Q4KPlaceOf in
//   repack.cc). Meta, 80 bytes: the 6-bit scales unpacked to bytes as [e][r][k] (32), the mins
//   as [r][j] (32), the four rows' F16 d, then their F16 dmin. 592 bytes per 4 × 256 weights
//   (GGUF: 576; unpacking the 6-bit scales in the kernel costs more than the 3% extra reads).
// Q6_K (superblock = one block of 256), one lane per (row, group of 16): for each quarter a
//   (groups 4a..4a+3) three 64-byte vectors n0, n1, h; row r's bytes 4k..4k+3 belong to group
//   4a+k: quants 0..3 of the group are the low nibbles of n0, 4..7 the low nibbles of n1,
//   8..11 the high nibbles of n0, 12..15 the high nibbles of n1, and their two high bits are
//   bits 0-1, 4-5, 2-3 and 6-7 of h (Q6KPlaceOf). Meta, 72 bytes: the signed scales as bytes
//   [a][r][k] (64) and the rows' F16 d. Same bytes as GGUF.
// Q5_K (superblock = one block of 256): the low four bits placed as Q4_K's (512 bytes), then
//   for each half e a 64-byte vector of fifth bits: the quant whose nibble is at byte
//   e * 256 + (m % 4) * 64 + x of the nibbles (x = r * 16 + k * 4 + b, m its chunk 0..7) has
//   its fifth bit at bit m of byte 512 + e * 64 + x. 640 bytes of quants; meta as Q4_K's.
//   720 bytes per 4 × 256 weights (GGUF: 704).
// IQ4_XS (superblock = one block of 256): the quants (indices into the IQ4_NL table) placed
//   as Q4_K's, 512 bytes. Meta, 72 bytes: the signed six-bit scales minus 32 as bytes
//   [e][r][k] (32), again as [r][j] (32), then the rows' F16 d. 584 bytes per 4 × 256
//   weights (GGUF: 544).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/ops/matmul.h"

namespace inferno::ops {

// Version of the R4 layouts below: a file of repacked weights written by another version is
// not used (engine/model/repack_cache.h). Bump it with any change to what RepackInto writes.
constexpr uint64_t kR4LayoutVersion = 3;  // 2: IQ4_XS repacked, 3: Q5_K

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

// The matrix w becomes when repacked, without its data: R4Bytes() of it is the size.
WeightMatrix RepackedShape(const WeightMatrix& w);
// Writes w (kRows, ShouldRepack) into out.data (64-byte aligned, R4Bytes(out) bytes) in the
// layout of out = RepackedShape(w) with data set. w's own bytes are not modified.
void RepackInto(const WeightMatrix& w, const WeightMatrix& out);
// Both, into new `storage`; returns the matrix that views it.
WeightMatrix RepackWeights(const WeightMatrix& w, AlignedBytes* storage);

// Row r of an R4 matrix as floats, bit for bit what DequantizeRow gives for the GGUF row.
void R4DequantizeRow(const WeightMatrix& w, int64_t r, float* out);

// Geometry of the R4 layouts, shared by the kernels, MatMul and DequantizeWeightRow.
constexpr int64_t kR4Rows = 4;
// Columns per superblock: the kernels' step, and what the columns must be a multiple of.
inline int64_t R4SuperblockCols(WeightLayout layout) {
  return layout == WeightLayout::kQ4_0R4 || layout == WeightLayout::kQ8_0R4 ? 128 : 256;
}
// Bytes of one group's quants and of its meta, for `cols` columns.
inline size_t R4GroupQuantBytes(WeightLayout layout, int64_t cols) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
      return size_t(cols / 32) * kR4Rows * 16;
    case WeightLayout::kQ8_0R4:
      return size_t(cols / 32) * kR4Rows * 32;
    case WeightLayout::kQ4_KR4:
      return size_t(cols / 256) * 512;
    case WeightLayout::kQ6_KR4:
      return size_t(cols / 256) * 768;
    case WeightLayout::kIQ4_XSR4:
      return size_t(cols / 256) * 512;
    case WeightLayout::kQ5_KR4:
      return size_t(cols / 256) * 640;
    default:
      return 0;
  }
}
inline size_t R4GroupMetaBytes(WeightLayout layout, int64_t cols) {
  switch (layout) {
    case WeightLayout::kQ4_0R4:
    case WeightLayout::kQ8_0R4:
      return size_t(cols / 32) * kR4Rows * 2;
    case WeightLayout::kQ4_KR4:
    case WeightLayout::kQ5_KR4:
      return size_t(cols / 256) * 80;
    case WeightLayout::kQ6_KR4:
    case WeightLayout::kIQ4_XSR4:
      return size_t(cols / 256) * 72;
    default:
      return 0;
  }
}
// Bytes the whole repacked matrix takes.
inline size_t R4Bytes(const WeightMatrix& w) {
  return size_t(w.rows / kR4Rows) *
         (R4GroupQuantBytes(w.layout, w.cols) + R4GroupMetaBytes(w.layout, w.cols));
}

inline const uint8_t* R4Quants(const WeightMatrix& w, int64_t group) {
  return static_cast<const uint8_t*>(w.data) + size_t(group) * R4GroupQuantBytes(w.layout, w.cols);
}
inline const uint8_t* R4Meta(const WeightMatrix& w, int64_t group) {
  return static_cast<const uint8_t*>(w.data) +
         size_t(w.rows / kR4Rows) * R4GroupQuantBytes(w.layout, w.cols) +
         size_t(group) * R4GroupMetaBytes(w.layout, w.cols);
}
// Q4_0/Q8_0: index of (block i, row r of the group) among a group's F16 scales (its meta).
inline size_t R4ScaleIndex(int64_t i, int64_t r) { return size_t((i / 4) * 16 + r * 4 + i % 4); }
// Q4_0/Q8_0: offset in a group's quants of quant byte e of block i, row r.
inline size_t R4QuantOffset(WeightLayout layout, int64_t i, int64_t r, int64_t e) {
  const int64_t block_bytes = layout == WeightLayout::kQ4_0R4 ? 16 : 32;
  return size_t((i / 4) * kR4Rows * 4 * block_bytes + (e / 4) * 64 + r * 16 + (i % 4) * 4 + e % 4);
}

}  // namespace inferno::ops
