// The grid formats IQ3_XXS, IQ3_S and IQ2_S: the packed codebooks expand to exactly llama.cpp's
// tables, and dequantization follows llama.cpp's dequantize_row_iq3_xxs/iq3_s/iq2_s on
// hand-built blocks. Real llama.cpp-quantized tensors are checked in
// engine/gguf/iq3_file_test.cc, the kernels in engine/ops/vec_dot_iq3_test.cc.
#include "engine/tensor/iq3_grids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/tensor/dequant.h"
#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"

namespace inferno {
namespace {

TEST(IQ3Blocks, TableEntries) {
  EXPECT_EQ(FindDType(18)->name, "IQ3_XXS");  // the GGUF type ids
  EXPECT_EQ(FindDType(21)->name, "IQ3_S");
  EXPECT_EQ(FindDType(22)->name, "IQ2_S");
  EXPECT_EQ(GetDTypeInfo(DType::kIQ3_XXS).block_bytes, sizeof(BlockIQ3_XXS));
  EXPECT_EQ(GetDTypeInfo(DType::kIQ3_S).block_bytes, sizeof(BlockIQ3_S));
  EXPECT_EQ(GetDTypeInfo(DType::kIQ2_S).block_bytes, sizeof(BlockIQ2_S));
  for (DType t : {DType::kIQ3_XXS, DType::kIQ3_S, DType::kIQ2_S}) {
    EXPECT_EQ(GetDTypeInfo(t).block_size, 256) << DTypeName(t);
    EXPECT_TRUE(GetDTypeInfo(t).quantized);
    EXPECT_NE(SupportedWeightTypes().find(DTypeName(t)), std::string::npos);
  }
}

// FNV-1a 64 of bytes.
uint64_t Fnv1a(const void* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 0x100000001b3u;
  return h;
}

// The checksums of llama.cpp's iq3xxs_grid, iq3s_grid and iq2s_grid (ggml-common.h of the 2026
// peer) as little-endian bytes, computed from that source text, not from this code: every
// entry of every expanded table is as llama.cpp's.
TEST(IQ3Grids, ExpandToLlamaCppTables) {
  const IQ3Grids& g = GetIQ3Grids();
  EXPECT_EQ(Fnv1a(g.iq3_xxs, sizeof(g.iq3_xxs)), 0xdfa5dc83d6a155d5u);
  EXPECT_EQ(Fnv1a(g.iq3_s, sizeof(g.iq3_s)), 0xfa37020c25b44829u);
  EXPECT_EQ(Fnv1a(g.iq2_s, sizeof(g.iq2_s)), 0x123edd38a3b62b90u);
  // A few entries as printed in ggml-common.h.
  EXPECT_EQ(g.iq3_xxs[0], 0x04040404u);
  EXPECT_EQ(g.iq3_xxs[255], 0x3e341c04u);
  EXPECT_EQ(g.iq3_s[256], 0x05090507u);
  EXPECT_EQ(g.iq3_s[511], 0x0f0f0101u);
  EXPECT_EQ(g.iq2_s[700], 0x1919082b2b080808u);
  EXPECT_EQ(g.iq2_s[1023], 0x2b2b2b2b2b2b2b2bu);
}

// Structure of the packed form: entries distinct and ascending (so a swapped or duplicated
// entry shows), every field a valid level index.
TEST(IQ3Grids, PackedEntriesAreWellFormed) {
  for (const PackedGrid& p : {PackedIQ3XXSGrid(), PackedIQ3SGrid(), PackedIQ2SGrid()}) {
    const std::vector<uint16_t> e(p.entries, p.entries + p.size);
    EXPECT_TRUE(std::is_sorted(e.begin(), e.end()));
    EXPECT_EQ(std::adjacent_find(e.begin(), e.end()), e.end());
    const int weights = p.bits == 3 ? 4 : 8;
    const int n_levels = p.bits == 3 ? 8 : 3;
    for (uint16_t v : e) {
      EXPECT_EQ(v >> (weights * p.bits), 0) << v;
      for (int j = 0; j < weights; ++j)
        EXPECT_LT((v >> (p.bits * j)) & ((1 << p.bits) - 1), n_levels);
    }
  }
}

// IQ3_XXS stores seven signs per eight weights; the eighth makes the count of negatives even.
TEST(IQ3Grids, EighthSignIsParity) {
  const IQ3Grids& g = GetIQ3Grids();
  for (int s = 0; s < 128; ++s) {
    EXPECT_EQ(g.sign8[s] & 127, s);
    EXPECT_EQ(__builtin_popcount(g.sign8[s]) % 2, 0) << s;
  }
}

TEST(IQ3Dequant, IQ3_XXS) {
  BlockIQ3_XXS b{};
  b.d = F32ToF16(2.0f);
  b.qs[0] = 5;    // weights 0..3: entry 5 = {62, 12, 4, 4}
  b.qs[1] = 255;  // weights 4..7: entry 255 = {4, 28, 52, 62}
  // Sub-block 0: signs of group 0 = 0b0000011 (weights 0 and 1 negative; parity even, so
  // weight 7 positive), group 1 = 0b0000001 (weight 8 negative and, for parity, weight 15);
  // scale 3 -> 2 * 3 + 1 = 7, unit 1/4: each weight is 2 * 7 / 4 = 3.5 times its magnitude.
  const uint32_t aux = 0b0000011u | (0b0000001u << 7) | (3u << 28);
  std::memcpy(b.qs + 64, &aux, 4);
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ3_XXS, &b, y.data(), 256);
  EXPECT_EQ(y[0], -3.5f * 62);
  EXPECT_EQ(y[1], -3.5f * 12);
  EXPECT_EQ(y[2], 3.5f * 4);
  EXPECT_EQ(y[4], 3.5f * 4);
  EXPECT_EQ(y[7], 3.5f * 62);
  EXPECT_EQ(y[8], -3.5f * 4);  // entry 0 = {4, 4, 4, 4}
  EXPECT_EQ(y[15], -3.5f * 4);
  EXPECT_EQ(y[9], 3.5f * 4);
  EXPECT_EQ(y[32], 0.5f * 4);  // sub-block 1: all-zero fields, scale 1
}

TEST(IQ3Dequant, IQ3_S) {
  BlockIQ3_S b{};
  b.d = F32ToF16(0.5f);
  b.qs[0] = 0;  // group 0 with qh bit 0 set: entry 256 = {7, 5, 9, 5}
  b.qh[0] = 1;
  b.qs[1] = 1;         // group 1: entry 1 = {3, 1, 1, 1}
  b.signs[0] = 0x21;   // weights 0 and 5 negative
  b.scales[0] = 0x52;  // sub-block 0: 2 -> 5; sub-block 1: 5 -> 11
  b.qs[8] = 255;       // sub-block 1, group 0, with qh[1] bit 0: entry 511 = {1, 1, 15, 15}
  b.qh[1] = 1;
  b.signs[4] = 0x04;  // weight 34 negative
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ3_S, &b, y.data(), 256);
  EXPECT_EQ(y[0], -2.5f * 7);
  EXPECT_EQ(y[1], 2.5f * 5);
  EXPECT_EQ(y[2], 2.5f * 9);
  EXPECT_EQ(y[4], 2.5f * 3);
  EXPECT_EQ(y[5], -2.5f * 1);
  EXPECT_EQ(y[32], 5.5f * 1);
  EXPECT_EQ(y[34], -5.5f * 15);
  EXPECT_EQ(y[64], 0.5f * 1);  // sub-block 2: entry 0 = {1, 1, 1, 1}, scale 1
}

TEST(IQ3Dequant, IQ2_S) {
  BlockIQ2_S b{};
  b.d = F32ToF16(4.0f);
  b.qs[0] = 1;          // group 0: entry 1 = {43, 8, 8, 8, 8, 8, 8, 8}
  b.qs[2] = 700 & 255;  // group 2: entry 700 (high bits 2 in qh[0] bits 4..5)
  b.qh[0] = uint8_t((700 >> 8) << 4);
  b.qs[32] = 0x81;     // signs of group 0: weights 0 and 7 negative
  b.qs[34] = 0x08;     // group 2: weight 19 negative
  b.scales[0] = 0x31;  // weights 0..15: 1 -> 3; 16..31: 3 -> 7; unit 1/8
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ2_S, &b, y.data(), 256);
  EXPECT_EQ(y[0], -1.5f * 43);  // 4 * 3 / 8
  EXPECT_EQ(y[1], 1.5f * 8);
  EXPECT_EQ(y[7], -1.5f * 8);
  // Entry 700 = 0x1919082b2b080808: {8, 8, 8, 43, 43, 8, 25, 25}, times 4 * 7 / 8.
  EXPECT_EQ(y[16], 3.5f * 8);
  EXPECT_EQ(y[19], -3.5f * 43);
  EXPECT_EQ(y[20], 3.5f * 43);
  EXPECT_EQ(y[23], 3.5f * 25);
  EXPECT_EQ(y[8], 1.5f * 8);  // group 1: entry 0, all 8
}

}  // namespace
}  // namespace inferno
