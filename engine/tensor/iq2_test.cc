// IQ2_XXS, IQ2_XS and IQ1_S: block layouts, the expanded codebooks against the published
// tables, and dequantization against hand-computed values. Dequantizing llama.cpp-quantized
// weights is compared with their F16 source in tests/iq2_zoo_test.cc.
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "engine/tensor/dequant.h"
#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/iq2_quants.h"

namespace inferno {
namespace {

// FNV-1a over bytes: the expected values were computed from ggml-common.h's tables (each
// uint64 entry's little-endian bytes, in table order) with a separate script, not from ours.
uint64_t Fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3u;
  return h;
}

uint64_t GridHash(const uint64_t* grid, size_t n) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < 8; ++j) bytes.push_back(uint8_t(grid[i] >> (8 * j)));
  }
  return Fnv1a(bytes.data(), bytes.size());
}

TEST(IQ2Blocks, TableEntries) {
  struct Want {
    uint32_t id;
    std::string_view name;
    size_t bytes;
  };
  for (const Want& w : {Want{16, "IQ2_XXS", sizeof(BlockIQ2_XXS)},
                        Want{17, "IQ2_XS", sizeof(BlockIQ2_XS)}, Want{19, "IQ1_S", 50}}) {
    const DTypeInfo* info = FindDType(w.id);
    ASSERT_NE(info, nullptr) << w.name;
    EXPECT_EQ(info->name, w.name);
    EXPECT_EQ(info->block_size, 256);
    EXPECT_EQ(info->block_bytes, w.bytes);
    EXPECT_TRUE(info->quantized);
    EXPECT_NE(SupportedWeightTypes().find(w.name), std::string::npos);
  }
}

// The whole expansion, end to end, against the published tables.
TEST(IQ2Grids, MatchPublishedTables) {
  EXPECT_EQ(GridHash(IQ2XXSGrid(), 256), 0xbb4ee025b5ac6e8eu);
  EXPECT_EQ(GridHash(IQ2XSGrid(), 512), 0xc9b1ee61e79909bdu);
  EXPECT_EQ(GridHash(IQ1SGrid(), 2048), 0x6703ed863501ae2eu);
  // A few entries as printed in the tables.
  EXPECT_EQ(IQ2XXSGrid()[0], 0x0808080808080808u);
  EXPECT_EQ(IQ2XXSGrid()[1], 0x080808080808082bu);
  EXPECT_EQ(IQ2XXSGrid()[255], 0x2b2b2b1908081908u);
  EXPECT_EQ(IQ2XSGrid()[256], 0x190808080808192bu);
  EXPECT_EQ(IQ2XSGrid()[511], 0x2b2b2b2b2b2b2b2bu);
  EXPECT_EQ(IQ1SGrid()[0], 0xffffffffffffffffu);
  EXPECT_EQ(IQ1SGrid()[1024], 0x0000000000ff0100u);
  EXPECT_EQ(IQ1SGrid()[2047], 0x0101010101010101u);
}

TEST(IQ2Grids, SignBitsAreParityCompleted) {
  std::vector<uint8_t> table(IQ2SignBitsTable(), IQ2SignBitsTable() + 128);
  EXPECT_EQ(Fnv1a(table.data(), table.size()), 0xf19ba8f8c3292ba5u);  // ggml's ksigns_iq2xs
  for (uint32_t i = 0; i < 128; ++i) {
    EXPECT_EQ(table[i], IQ2SignBits(i));
    EXPECT_EQ(table[i] & 127, i);
    EXPECT_EQ(std::popcount(table[i]) % 2, 0) << i;  // an even number of negated weights
    for (int j = 0; j < 8; ++j) {
      EXPECT_EQ((IQ2SignMasks()[i] >> (8 * j)) & 0xFF, (table[i] >> j) & 1 ? 0xFFu : 0u);
    }
  }
}

TEST(IQ2Dequant, IQ2_XXS) {
  BlockIQ2_XXS b{};
  b.d = F32ToF16(2.0f);
  // Sub-block 0: groups 0..3 use grid entries 1, 0, 255, 0; sign indices 1 (elements 0 and 7
  // negated), 0, 0, 127 (all eight); scale 3: 2 * (2*3 + 1) / 8 = 1.75.
  const uint32_t words[2] = {0x00FF0001u, 1u | (127u << 21) | (3u << 28)};
  std::memcpy(b.qs, words, 8);
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ2_XXS, &b, y.data(), 256);
  EXPECT_EQ(y[0], -43 * 1.75f);  // entry 1, byte 0 is 0x2b
  EXPECT_EQ(y[1], 8 * 1.75f);
  EXPECT_EQ(y[7], -8 * 1.75f);
  EXPECT_EQ(y[8], 8 * 1.75f);
  EXPECT_EQ(y[16], 8 * 1.75f);   // entry 255 = 0x2b2b2b1908081908: byte 0 is 8
  EXPECT_EQ(y[17], 25 * 1.75f);  // byte 1 is 0x19
  EXPECT_EQ(y[23], 43 * 1.75f);  // byte 7
  EXPECT_EQ(y[24], -8 * 1.75f);  // sign index 127: all negated
  EXPECT_EQ(y[32], 8 * 0.25f);   // sub-block 1: all-zero fields, scale 2 * 1 / 8
}

TEST(IQ2Dequant, IQ2_XS) {
  BlockIQ2_XS b{};
  b.d = F32ToF16(1.0f);
  b.qs[0] = uint16_t(511 | (1 << 9));  // entry 511 (all 43), sign index 1: elements 0 and 7
  b.qs[2] = uint16_t(256);             // entry 256 = 0x190808080808192b
  b.scales[0] = 0x52;                  // groups 0-1: (2*2 + 1) / 8; groups 2-3: (2*5 + 1) / 8
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ2_XS, &b, y.data(), 256);
  EXPECT_EQ(y[0], -43 * 0.625f);
  EXPECT_EQ(y[1], 43 * 0.625f);
  EXPECT_EQ(y[7], -43 * 0.625f);
  EXPECT_EQ(y[8], 8 * 0.625f);  // group 1: entry 0
  EXPECT_EQ(y[16], 43 * 1.375f);
  EXPECT_EQ(y[17], 25 * 1.375f);
  EXPECT_EQ(y[23], 25 * 1.375f);
  EXPECT_EQ(y[32], 8 * 0.125f);
}

TEST(IQ2Dequant, IQ1_S) {
  BlockIQ1_S b{};
  b.d = F32ToF16(0.5f);
  // Sub-block 0: group 0 entry 2047 (all +1), group 1 entry 1024 (qs 0, high bits 4 at bit 3),
  // scale 2 (x5), negative shift.
  b.qs[0] = 0xFF;
  b.qh[0] = uint16_t(7 | (4 << 3) | (2 << 12) | 0x8000);
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ1_S, &b, y.data(), 256);
  EXPECT_EQ(y[0], 0.5f * 5 * (1 - 0.125f));
  EXPECT_EQ(y[7], 0.5f * 5 * (1 - 0.125f));
  EXPECT_EQ(y[8], 0.5f * 5 * (0 - 0.125f));    // 0x0000000000ff0100: byte 0 is 0
  EXPECT_EQ(y[9], 0.5f * 5 * (1 - 0.125f));    // byte 1 is 1
  EXPECT_EQ(y[10], 0.5f * 5 * (-1 - 0.125f));  // byte 2 is -1
  EXPECT_EQ(y[16], 0.5f * 5 * (-1 - 0.125f));  // group 2: entry 0 (all -1)
  EXPECT_EQ(y[32], 0.5f * (-1 + 0.125f));      // sub-block 1: scale 1, positive shift
}

}  // namespace
}  // namespace inferno
