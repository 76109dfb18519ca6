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
  return ActiveIsa() == Isa::kAvx512 && w.layout == WeightLayout::kRows && w.type == DType::kQ4_0 &&
         w.rows % kR4Rows == 0 && w.cols % kR4SuperblockCols == 0 && w.cols > 0;
}

WeightMatrix RepackWeights(const WeightMatrix& w, AlignedBytes* storage) {
  const int64_t nb = w.cols / 32;
  *storage = AlignedBytes(size_t(w.rows) * w.row_bytes);
  WeightMatrix out = w;
  out.data = storage->data();
  out.layout = WeightLayout::kQ4_0R4;
  for (int64_t g = 0; g < w.rows / kR4Rows; ++g) {
    auto* quants = const_cast<uint8_t*>(R4Quants(out, g));
    auto* scales = const_cast<uint16_t*>(R4Scales(out, g));
    for (int64_t r = 0; r < kR4Rows; ++r) {
      const auto* row = reinterpret_cast<const BlockQ4_0*>(static_cast<const uint8_t*>(w.data) +
                                                           size_t(g * kR4Rows + r) * w.row_bytes);
      for (int64_t i = 0; i < nb; ++i) {
        const int64_t slot = (i / 4) * 16 + (i % 4) * 4 + r;
        std::memcpy(quants + slot * 16, row[i].qs, 16);
        scales[slot] = row[i].d;
      }
    }
  }
  return out;
}

}  // namespace inferno::ops
