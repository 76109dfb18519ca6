#include "engine/ops/repack.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "engine/ops/cpu_features.h"
#include "engine/ops/r4.h"
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

R4Kernels GetR4Kernels(WeightLayout layout) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return Avx512R4Kernels(layout);
    case Isa::kAvx2:
      return Avx2R4Kernels(layout);
    default:
      return {};
  }
}

bool ShouldRepack(const WeightMatrix& w) {
  if (w.layout != WeightLayout::kRows || w.cols <= 0 || w.rows % kR4Rows != 0) return false;
  switch (w.type) {
    case DType::kQ4_0:
    case DType::kQ8_0:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_XS:
      break;
    default:
      return false;
  }
  const WeightLayout layout = RepackedShape(w).layout;
  return w.cols % R4SuperblockCols(layout) == 0 && GetR4Kernels(layout).available();
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
constexpr size_t kIQ4XSQuantBytes = 512, kIQ4XSMetaBytes = 72;
constexpr size_t kQ5KQuantBytes = 640;  // meta: Q4_K's

// Q4_K R4: where quant o (0..31) of sub-block j of row r sits: the byte, and its nibble.
std::pair<size_t, int> Q4KPlaceOf(int64_t r, int j, int o) {
  const int e = j / 4, k = j % 4, m = o / 4, b = o % 4;
  return {size_t(e * 256 + (m % 4) * 64 + r * 16 + k * 4 + b), m < 4 ? 0 : 4};
}

// Q5_K R4: where the fifth bit of quant o of sub-block j of row r sits (its nibble: Q4KPlaceOf).
std::pair<size_t, int> Q5KHighPlaceOf(int64_t r, int j, int o) {
  return {size_t(512 + (j / 4) * 64 + r * 16 + (j % 4) * 4 + o % 4), o / 4};
}

// Q4_K and Q5_K: row r's low four bits of superblock q (GGUF: byte 32 * (j / 2) + o holds
// sub-block j's quant o, in the high nibble for odd j) into a group's quants at q_out.
void PlaceNibblesK4(const uint8_t* qs, int64_t r, uint8_t* q_out) {
  for (int vec = 0; vec < 8; ++vec) std::memset(q_out + vec * 64 + r * 16, 0, 16);  // row r's
  for (int j = 0; j < 8; ++j) {
    for (int o = 0; o < 32; o += 4) {  // four quants at a time: they stay together
      uint32_t four;
      std::memcpy(&four, qs + 32 * (j / 2) + o, 4);
      const uint32_t values = (j % 2 == 0 ? four : four >> 4) & 0x0F0F0F0Fu;
      const auto [offset, shift] = Q4KPlaceOf(r, j, o);
      uint32_t dst;
      std::memcpy(&dst, q_out + offset, 4);
      dst |= values << shift;
      std::memcpy(q_out + offset, &dst, 4);
    }
  }
}

// Q4_K and Q5_K: row r's scales, mins, d and dmin into a group's 80 bytes of meta.
void PlaceMetaK4(const uint8_t* scales, uint16_t d, uint16_t dmin, int64_t r, uint8_t* meta) {
  uint8_t scales_mins[16];
  UnpackScalesMinsK4(scales, scales_mins);
  for (int j = 0; j < 8; ++j) {
    meta[(j / 4) * 16 + r * 4 + j % 4] = scales_mins[j];
    meta[32 + r * 8 + j] = scales_mins[8 + j];
  }
  std::memcpy(meta + 64 + r * 2, &d, 2);
  std::memcpy(meta + 72 + r * 2, &dmin, 2);
}

void PlaceBlock(const BlockQ4_K& block, int64_t i, int64_t r, GroupOut out) {
  PlaceNibblesK4(block.qs, r, out.quants + i * kQ4KQuantBytes);
  PlaceMetaK4(block.scales, block.d, block.dmin, r, out.meta + i * kQ4KMetaBytes);
}

void PlaceBlock(const BlockQ5_K& block, int64_t i, int64_t r, GroupOut out) {
  uint8_t* q = out.quants + i * kQ5KQuantBytes;
  PlaceNibblesK4(block.qs, r, q);
  for (int e = 0; e < 2; ++e) std::memset(q + 512 + e * 64 + r * 16, 0, 16);  // row r's
  for (int j = 0; j < 8; ++j) {
    for (int o = 0; o < 32; o += 4) {  // GGUF: bit j of qh[o] is sub-block j's quant o's
      uint32_t four;
      std::memcpy(&four, block.qh + o, 4);
      const auto [offset, bit] = Q5KHighPlaceOf(r, j, o);
      uint32_t dst;
      std::memcpy(&dst, q + offset, 4);
      dst |= ((four >> j) & 0x01010101u) << bit;
      std::memcpy(q + offset, &dst, 4);
    }
  }
  PlaceMetaK4(block.scales, block.d, block.dmin, r, out.meta + i * kQ4KMetaBytes);
}

// IQ4_XS R4: the quants as Q4_K's. GGUF's byte 16j + o holds sub-block j's quants o (low
// nibble) and o + 16 (high nibble), which is where Q4KPlaceOf puts both: four bytes are copied.
void PlaceBlock(const BlockIQ4_XS& block, int64_t i, int64_t r, GroupOut out) {
  uint8_t* q = out.quants + i * kIQ4XSQuantBytes;
  for (int j = 0; j < 8; ++j) {
    for (int o = 0; o < 16; o += 4) {
      std::memcpy(q + Q4KPlaceOf(r, j, o).first, block.qs + 16 * j + o, 4);
    }
  }
  uint8_t* meta = out.meta + i * kIQ4XSMetaBytes;
  for (int j = 0; j < 8; ++j) {
    const auto scale = uint8_t(int8_t(IQ4XSScale(block, j)));
    meta[(j / 4) * 16 + r * 4 + j % 4] = scale;  // for the kernels' vpmulld
    meta[32 + r * 8 + j] = scale;                // for the offset's vpmaddwd
  }
  std::memcpy(meta + 64 + r * 2, &block.d, 2);
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

// Q6_K R4: where quant o (0..15) of group s (0..15) of row r sits — vector n0 or n1 (low four
// bits, low or high nibble) and which two bits of h — see repack.h.
struct Q6KPlace {
  size_t nibble_byte;  // offset of the nibble byte in the superblock's quants
  int nibble_shift;    // 0 or 4
  size_t high_byte;    // offset of the high-bits byte
  int high_shift;      // 0, 2, 4 or 6
};
Q6KPlace Q6KPlaceOf(int64_t r, int s, int o) {
  const int a = s / 4, k = s % 4, m = o / 4, b = o % 4;
  const size_t lane = size_t(a * 192 + r * 16 + k * 4 + b);
  // m = 0: n0 low, h bits 0-1; m = 1: n1 low, bits 4-5; m = 2: n0 high, bits 2-3;
  // m = 3: n1 high, bits 6-7.
  static constexpr int kVector[4] = {0, 1, 0, 1}, kNibble[4] = {0, 0, 4, 4};
  static constexpr int kHigh[4] = {0, 4, 2, 6};
  return {lane + size_t(kVector[m]) * 64, kNibble[m], lane + 128, kHigh[m]};
}

void PlaceBlock(const BlockQ6_K& block, int64_t i, int64_t r, GroupOut out) {
  uint8_t q[kQK_K];
  Q6KValues(block, q);
  uint8_t* dst = out.quants + i * kQ6KQuantBytes;
  for (int vec = 0; vec < 12; ++vec) std::memset(dst + vec * 64 + r * 16, 0, 16);  // row r's
  for (int s = 0; s < 16; ++s) {
    for (int o = 0; o < 16; o += 4) {  // four quants at a time: they stay together
      const Q6KPlace at = Q6KPlaceOf(r, s, o);
      uint32_t values, nibbles, highs;
      std::memcpy(&values, q + 16 * s + o, 4);
      std::memcpy(&nibbles, dst + at.nibble_byte, 4);
      std::memcpy(&highs, dst + at.high_byte, 4);
      nibbles |= (values & 0x0F0F0F0Fu) << at.nibble_shift;
      highs |= ((values >> 4) & 0x03030303u) << at.high_shift;
      std::memcpy(dst + at.nibble_byte, &nibbles, 4);
      std::memcpy(dst + at.high_byte, &highs, 4);
    }
  }
  uint8_t* meta = out.meta + i * kQ6KMetaBytes;
  for (int s = 0; s < 16; ++s) meta[(s / 4) * 16 + r * 4 + s % 4] = uint8_t(block.scales[s]);
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
    case DType::kIQ4_XS:
      out.layout = WeightLayout::kIQ4_XSR4;
      break;
    case DType::kQ5_K:
      out.layout = WeightLayout::kQ5_KR4;
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
    case DType::kIQ4_XS:
      return Repack<BlockIQ4_XS>(w, out);
    case DType::kQ5_K:
      return Repack<BlockQ5_K>(w, out);
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

namespace {

// Row r's F16 value in a K-quant meta's run of four (d or dmin), unaligned.
float RowF16(const uint8_t* four, int64_t r) {
  uint16_t h;
  std::memcpy(&h, four + 2 * r, 2);
  return F16ToF32(h);
}

}  // namespace

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
    if (w.layout == WeightLayout::kQ4_KR4 || w.layout == WeightLayout::kQ5_KR4) {
      const bool q5 = w.layout == WeightLayout::kQ5_KR4;
      const uint8_t* q = quants + i * (q5 ? kQ5KQuantBytes : kQ4KQuantBytes);
      const uint8_t* m = meta + i * kQ4KMetaBytes;
      const float d = RowF16(m + 64, row), dmin = RowF16(m + 72, row);
      for (int j = 0; j < 8; ++j) {
        const float scale = float(m[(j / 4) * 16 + row * 4 + j % 4]);
        const float min = float(m[32 + row * 8 + j]);
        for (int o = 0; o < 32; ++o) {
          const auto [offset, shift] = Q4KPlaceOf(row, j, o);
          int value = (q[offset] >> shift) & 0xF;
          if (q5) {
            const auto [high, bit] = Q5KHighPlaceOf(row, j, o);
            value |= ((q[high] >> bit) & 1) << 4;
          }
          y[32 * j + o] = d * scale * float(value) - dmin * min;
        }
      }
    } else if (w.layout == WeightLayout::kIQ4_XSR4) {
      const uint8_t* q = quants + i * kIQ4XSQuantBytes;
      const uint8_t* m = meta + i * kIQ4XSMetaBytes;
      const float d = RowF16(m + 64, row);
      for (int j = 0; j < 8; ++j) {
        const float scale = d * float(int8_t(m[32 + row * 8 + j]));
        for (int o = 0; o < 32; ++o) {
          const auto [offset, shift] = Q4KPlaceOf(row, j, o);
          y[32 * j + o] = scale * float(kIQ4NLValues[(q[offset] >> shift) & 0xF]);
        }
      }
    } else {
      const uint8_t* q = quants + i * kQ6KQuantBytes;
      const uint8_t* m = meta + i * kQ6KMetaBytes;
      const float d = RowF16(m + 64, row);
      for (int s = 0; s < 16; ++s) {
        const auto scale = int8_t(m[(s / 4) * 16 + row * 4 + s % 4]);
        for (int o = 0; o < 16; ++o) {
          const Q6KPlace at = Q6KPlaceOf(row, s, o);
          const int value = ((q[at.nibble_byte] >> at.nibble_shift) & 0xF) |
                            (((q[at.high_byte] >> at.high_shift) & 3) << 4);
          y[16 * s + o] = d * float(scale) * float(value - 32);
        }
      }
    }
  }
}

}  // namespace inferno::ops
