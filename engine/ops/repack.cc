#include "engine/ops/repack.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {

AlignedBytes::AlignedBytes(size_t size) : size_(size) {
  if (size == 0) return;
  // Large matrices on 2 MiB pages where the kernel allows it (transparent huge pages in
  // "madvise" mode): decode streams every weight once per token, and 4 KiB pages cost a TLB
  // miss every 4 KiB of that stream, and a page fault each at load.
  constexpr size_t kHugePage = size_t(2) << 20;
  const size_t alignment = size >= kHugePage ? kHugePage : 64;
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
  if (alignment == kHugePage && std::getenv("INFERNO_NO_HUGEPAGES") == nullptr) {
    madvise(p, (size + alignment - 1) / alignment * alignment, MADV_HUGEPAGE);
  }
#endif
  data_.reset(static_cast<uint8_t*>(p));
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

bool ShouldRepack(const WeightMatrix& w) {
  if (ActiveIsa() != Isa::kAvx512 || w.layout != WeightLayout::kRows || w.cols <= 0 ||
      w.rows % kR4Rows != 0) {
    return false;
  }
  switch (w.type) {
    case DType::kQ4_0:
    case DType::kQ8_0:
      return w.cols % R4SuperblockCols(WeightLayout::kQ4_0R4) == 0;
    case DType::kQ4_K:
    case DType::kQ6_K:
      return w.cols % R4SuperblockCols(WeightLayout::kQ4_KR4) == 0;
    default:
      return false;
  }
}

namespace {

// Where block i of row r (of four) goes: its group's quants and meta.
struct GroupOut {
  uint8_t* quants;
  uint8_t* meta;
};

void PlaceBlock(const BlockQ4_0& block, int64_t i, int64_t r, GroupOut out) {
  for (int e = 0; e < 16; e += 4) {  // 4 consecutive bytes stay together
    std::memcpy(out.quants + R4QuantOffset(WeightLayout::kQ4_0R4, i, r, e), block.qs + e, 4);
  }
  reinterpret_cast<uint16_t*>(out.meta)[R4ScaleIndex(i, r)] = block.d;
}

void PlaceBlock(const BlockQ8_0& block, int64_t i, int64_t r, GroupOut out) {
  for (int e = 0; e < 32; e += 4) {  // 4 consecutive bytes stay together
    uint32_t four;
    std::memcpy(&four, block.qs + e, 4);
    four ^= 0x80808080u;  // two's complement + 128, as unsigned
    std::memcpy(out.quants + R4QuantOffset(WeightLayout::kQ8_0R4, i, r, e), &four, 4);
  }
  reinterpret_cast<uint16_t*>(out.meta)[R4ScaleIndex(i, r)] = block.d;
}

constexpr size_t kQ4KQuantBytes = 512, kQ4KMetaBytes = 80;
constexpr size_t kQ6KQuantBytes = 768, kQ6KMetaBytes = 72;

void PlaceBlock(const BlockQ4_K& block, int64_t i, int64_t r, GroupOut out) {
  uint8_t* q = out.quants + i * kQ4KQuantBytes;
  for (int quarter = 0; quarter < 4; ++quarter) {
    std::memcpy(q + quarter * 128 + r * 16, block.qs + quarter * 32, 16);
    std::memcpy(q + quarter * 128 + 64 + r * 16, block.qs + quarter * 32 + 16, 16);
  }
  uint8_t scales_mins[16];
  UnpackScalesMinsK4(block.scales, scales_mins);
  uint8_t* meta = out.meta + i * kQ4KMetaBytes;
  for (int j = 0; j < 8; ++j) {
    meta[j * kR4Rows + r] = scales_mins[j];
    meta[32 + r * 8 + j] = scales_mins[8 + j];
  }
  std::memcpy(meta + 64 + r * 2, &block.d, 2);
  std::memcpy(meta + 72 + r * 2, &block.dmin, 2);
}

// The 256 six-bit values of a Q6_K block in element order.
void Q6KValues(const BlockQ6_K& block, uint8_t q[kQK_K]) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = block.ql + 64 * half;
    const uint8_t* qh = block.qh + 32 * half;
    uint8_t* out = q + 128 * half;
    for (int l = 0; l < 32; ++l) {
      out[l] = uint8_t((ql[l] & 0xF) | ((qh[l] & 3) << 4));
      out[l + 32] = uint8_t((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
      out[l + 64] = uint8_t((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      out[l + 96] = uint8_t((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
    }
  }
}

void PlaceBlock(const BlockQ6_K& block, int64_t i, int64_t r, GroupOut out) {
  uint8_t q[kQK_K];
  Q6KValues(block, q);
  uint8_t* dst = out.quants + i * kQ6KQuantBytes;
  for (int quarter = 0; quarter < 4; ++quarter) {
    const uint8_t* v = q + 64 * quarter;
    uint8_t* a = dst + quarter * 192 + r * 16;
    for (int b = 0; b < 16; ++b) {
      a[b] = uint8_t((v[b] & 0xF) | ((v[32 + b] & 0xF) << 4));
      a[64 + b] = uint8_t((v[16 + b] & 0xF) | ((v[48 + b] & 0xF) << 4));
      a[128 + b] = uint8_t((v[b] >> 4) | ((v[32 + b] >> 4) << 2) | ((v[16 + b] >> 4) << 4) |
                           ((v[48 + b] >> 4) << 6));
    }
  }
  uint8_t* meta = out.meta + i * kQ6KMetaBytes;
  for (int s = 0; s < 16; ++s) {
    meta[(s / 8) * 32 + r * 8 + s % 8] = uint8_t(block.scales[s]);
  }
  std::memcpy(meta + 64 + r * 2, &block.d, 2);
}

template <typename Block>
void Repack(const WeightMatrix& w, const WeightMatrix& out) {
  const int64_t blocks = w.cols / GetDTypeInfo(w.type).block_size;
  for (int64_t g = 0; g < w.rows / kR4Rows; ++g) {
    const GroupOut group{const_cast<uint8_t*>(R4Quants(out, g)),
                         const_cast<uint8_t*>(R4Meta(out, g))};
    for (int64_t r = 0; r < kR4Rows; ++r) {
      const auto* row = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w.data) +
                                                       size_t(g * kR4Rows + r) * w.row_bytes);
      for (int64_t i = 0; i < blocks; ++i) PlaceBlock(row[i], i, r, group);
    }
  }
}

}  // namespace

WeightMatrix RepackedShape(const WeightMatrix& w) {
  WeightMatrix out = w;
  out.data = nullptr;
  switch (w.type) {
    case DType::kQ4_0:
      out.layout = WeightLayout::kQ4_0R4;
      break;
    case DType::kQ8_0:
      out.layout = WeightLayout::kQ8_0R4;
      break;
    case DType::kQ4_K:
      out.layout = WeightLayout::kQ4_KR4;
      break;
    default:
      out.layout = WeightLayout::kQ6_KR4;
      break;
  }
  return out;
}

void RepackInto(const WeightMatrix& w, const WeightMatrix& out) {
  switch (w.type) {
    case DType::kQ4_0:
      return Repack<BlockQ4_0>(w, out);
    case DType::kQ8_0:
      return Repack<BlockQ8_0>(w, out);
    case DType::kQ4_K:
      return Repack<BlockQ4_K>(w, out);
    default:
      return Repack<BlockQ6_K>(w, out);
  }
}

WeightMatrix RepackWeights(const WeightMatrix& w, AlignedBytes* storage) {
  WeightMatrix out = RepackedShape(w);
  *storage = AlignedBytes(R4Bytes(out));
  out.data = storage->data();
  RepackInto(w, out);
  return out;
}

void R4DequantizeRow(const WeightMatrix& w, int64_t r, float* out) {
  const uint8_t* quants = R4Quants(w, r / kR4Rows);
  const uint8_t* meta = R4Meta(w, r / kR4Rows);
  const int64_t row = r % kR4Rows;
  if (w.layout == WeightLayout::kQ4_0R4 || w.layout == WeightLayout::kQ8_0R4) {
    const auto* scales = reinterpret_cast<const uint16_t*>(meta);
    for (int64_t i = 0; i < w.cols / 32; ++i) {
      const float d = F16ToF32(scales[R4ScaleIndex(i, row)]);
      for (int e = 0; e < 16; ++e) {
        if (w.layout == WeightLayout::kQ4_0R4) {
          const uint8_t q = quants[R4QuantOffset(w.layout, i, row, e)];
          out[i * 32 + e] = float(int(q & 0x0F) - 8) * d;
          out[i * 32 + e + 16] = float(int(q >> 4) - 8) * d;
        } else {
          out[i * 32 + e] = float(int(quants[R4QuantOffset(w.layout, i, row, e)]) - 128) * d;
          out[i * 32 + e + 16] =
              float(int(quants[R4QuantOffset(w.layout, i, row, e + 16)]) - 128) * d;
        }
      }
    }
    return;
  }
  for (int64_t i = 0; i < w.cols / kQK_K; ++i) {
    float* y = out + i * kQK_K;
    if (w.layout == WeightLayout::kQ4_KR4) {
      const uint8_t* q = quants + i * kQ4KQuantBytes;
      const uint8_t* m = meta + i * kQ4KMetaBytes;
      uint16_t d16, dmin16;
      std::memcpy(&d16, m + 64 + row * 2, 2);
      std::memcpy(&dmin16, m + 72 + row * 2, 2);
      const float d = F16ToF32(d16), dmin = F16ToF32(dmin16);
      for (int quarter = 0; quarter < 4; ++quarter) {
        for (int half = 0; half < 2; ++half) {  // vector A, then B
          const uint8_t* bytes = q + quarter * 128 + half * 64 + row * 16;
          for (int b = 0; b < 16; ++b) {
            for (int nibble = 0; nibble < 2; ++nibble) {
              const int j = 2 * quarter + nibble;  // sub-block
              const int value = nibble == 0 ? bytes[b] & 0xF : bytes[b] >> 4;
              y[64 * quarter + 32 * nibble + 16 * half + b] =
                  d * float(m[j * kR4Rows + row]) * float(value) -
                  dmin * float(m[32 + row * 8 + j]);
            }
          }
        }
      }
    } else {
      const uint8_t* q = quants + i * kQ6KQuantBytes;
      const uint8_t* m = meta + i * kQ6KMetaBytes;
      uint16_t d16;
      std::memcpy(&d16, m + 64 + row * 2, 2);
      const float d = F16ToF32(d16);
      for (int quarter = 0; quarter < 4; ++quarter) {
        const uint8_t* a = q + quarter * 192 + row * 16;
        for (int b = 0; b < 16; ++b) {
          const int h = a[128 + b];
          // Element offsets within the quarter and where their bits are (see repack.h).
          const int values[4][2] = {{b, (a[b] & 0xF) | ((h & 3) << 4)},
                                    {32 + b, (a[b] >> 4) | (((h >> 2) & 3) << 4)},
                                    {16 + b, (a[64 + b] & 0xF) | (((h >> 4) & 3) << 4)},
                                    {48 + b, (a[64 + b] >> 4) | (((h >> 6) & 3) << 4)}};
          for (const auto& [offset, value] : values) {
            const int e = 64 * quarter + offset;
            const int s = e / 16;
            const auto scale = int8_t(m[(s / 8) * 32 + row * 8 + s % 8]);
            y[e] = d * float(scale) * float(value - 32);
          }
        }
      }
    }
  }
}

}  // namespace inferno::ops
