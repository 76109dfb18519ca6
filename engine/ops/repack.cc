#include "engine/ops/repack.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {

AlignedBytes::AlignedBytes(size_t size) : size_(size) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(64, (size + 63) / 64 * 64);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<uint8_t*>(p));
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

bool ShouldRepack(const WeightMatrix& w) {
  return ActiveIsa() == Isa::kAvx512 && w.layout == WeightLayout::kRows &&
         (w.type == DType::kQ4_0 || w.type == DType::kQ8_0) && w.rows % kR4Rows == 0 &&
         w.cols % kR4SuperblockCols == 0 && w.cols > 0;
}

namespace {

// Block i of row r (of four) into its R4 slots.
void PlaceBlock(const BlockQ4_0& block, int64_t i, int64_t r, uint8_t* quants, uint16_t* scales) {
  std::memcpy(quants + i * 64 + r * 16, block.qs, 16);
  scales[R4ScaleIndex(i, r)] = block.d;
}

void PlaceBlock(const BlockQ8_0& block, int64_t i, int64_t r, uint8_t* quants, uint16_t* scales) {
  uint8_t* out = quants + i * 128 + r * 16;
  for (int j = 0; j < 16; ++j) {
    out[j] = uint8_t(block.qs[j] ^ 0x80);  // two's complement + 128, as unsigned
    out[64 + j] = uint8_t(block.qs[16 + j] ^ 0x80);
  }
  scales[R4ScaleIndex(i, r)] = block.d;
}

template <typename Block>
void Repack(const WeightMatrix& w, const WeightMatrix& out) {
  for (int64_t g = 0; g < w.rows / kR4Rows; ++g) {
    auto* quants = const_cast<uint8_t*>(R4Quants(out, g));
    auto* scales = const_cast<uint16_t*>(R4Scales(out, g));
    for (int64_t r = 0; r < kR4Rows; ++r) {
      const auto* row = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w.data) +
                                                       size_t(g * kR4Rows + r) * w.row_bytes);
      for (int64_t i = 0; i < w.cols / 32; ++i) PlaceBlock(row[i], i, r, quants, scales);
    }
  }
}

}  // namespace

WeightMatrix RepackWeights(const WeightMatrix& w, AlignedBytes* storage) {
  *storage = AlignedBytes(size_t(w.rows) * w.row_bytes);
  WeightMatrix out = w;
  out.data = storage->data();
  if (w.type == DType::kQ4_0) {
    out.layout = WeightLayout::kQ4_0R4;
    Repack<BlockQ4_0>(w, out);
  } else {
    out.layout = WeightLayout::kQ8_0R4;
    Repack<BlockQ8_0>(w, out);
  }
  return out;
}

}  // namespace inferno::ops
