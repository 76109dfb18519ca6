#include "engine/tensor/dequant.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno {
namespace {

TEST(QuantBlocks, SizesMatchDTypeTable) {
  EXPECT_EQ(sizeof(BlockQ4_0), GetDTypeInfo(DType::kQ4_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_1), GetDTypeInfo(DType::kQ4_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_0), GetDTypeInfo(DType::kQ5_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_1), GetDTypeInfo(DType::kQ5_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_0), GetDTypeInfo(DType::kQ8_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_1), GetDTypeInfo(DType::kQ8_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ2_K), GetDTypeInfo(DType::kQ2_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ3_K), GetDTypeInfo(DType::kQ3_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_K), GetDTypeInfo(DType::kQ4_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_K), GetDTypeInfo(DType::kQ5_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ6_K), GetDTypeInfo(DType::kQ6_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_K), GetDTypeInfo(DType::kQ8_K).block_bytes);
  for (DType t :
       {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1}) {
    EXPECT_EQ(GetDTypeInfo(t).block_size, kQK);
  }
  for (DType t :
       {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K}) {
    EXPECT_EQ(GetDTypeInfo(t).block_size, kQK_K);
  }
}

TEST(QuantBlocks, BulkScaleUnpackMatchesPerIndex) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t packed[12], all[16];
    for (uint8_t& b : packed) b = uint8_t(rng());
    UnpackScalesMinsK4(packed, all);
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      UnpackScaleMinK4(j, packed, &sc, &m);
      ASSERT_EQ(all[j], sc);
      ASSERT_EQ(all[8 + j], m);
    }
  }
}

TEST(Dequant, PlainTypes) {
  const float x[4] = {1.5f, -2.25f, 0.0f, 65504.0f};
  uint16_t h[4], b[4];
  for (int i = 0; i < 4; ++i) h[i] = F32ToF16(x[i]), b[i] = F32ToBF16(x[i]);
  float y[4];
  DequantizeRow(DType::kF16, h, y, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], x[i]);
  DequantizeRow(DType::kBF16, b, y, 3);  // 65504 is not exact in BF16
  for (int i = 0; i < 3; ++i) EXPECT_EQ(y[i], x[i]);
  DequantizeRow(DType::kF32, x, y, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], x[i]);
}

TEST(Dequant, Q8_0KnownBlocks) {
  BlockQ8_0 b[2];
  for (int i = 0; i < 2; ++i) {
    b[i].d = F32ToF16(i == 0 ? 0.5f : -2.0f);
    for (int j = 0; j < 32; ++j) b[i].qs[j] = int8_t(j * 8 - 128);
  }
  float y[64];
  DequantizeRow(DType::kQ8_0, b, y, 64);
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(y[j], (j * 8 - 128) * 0.5f);
    EXPECT_EQ(y[32 + j], (j * 8 - 128) * -2.0f);
  }
}

TEST(Dequant, Q4_0KnownBlock) {
  BlockQ4_0 b;
  b.d = F32ToF16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
  float y[32];
  DequantizeRow(DType::kQ4_0, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f);
    EXPECT_EQ(y[j + 16], (15 - j - 8) * 0.5f);
  }
}

TEST(Dequant, Q4_1KnownBlock) {
  BlockQ4_1 b;
  b.d = F32ToF16(0.25f);
  b.m = F32ToF16(-1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
  float y[32];
  DequantizeRow(DType::kQ4_1, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], j * 0.25f - 1.0f);
    EXPECT_EQ(y[j + 16], (15 - j) * 0.25f - 1.0f);
  }
}

TEST(Dequant, Q5_0FifthBit) {
  BlockQ5_0 b{};
  b.d = F32ToF16(1.0f);
  const uint32_t qh = (1u << 3) | (1u << 20);  // element 3 and element 16+4 get bit 4
  std::memcpy(b.qh, &qh, 4);
  b.qs[5] = 0x9F;  // element 5: 15, element 21: 9
  float y[32];
  DequantizeRow(DType::kQ5_0, &b, y, 32);
  EXPECT_EQ(y[0], -16.0f);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_EQ(y[20], 0.0f);
  EXPECT_EQ(y[5], 15.0f - 16);
  EXPECT_EQ(y[21], 9.0f - 16);
}

TEST(Dequant, Q5_1FifthBit) {
  BlockQ5_1 b{};
  b.d = F32ToF16(0.5f);
  b.m = F32ToF16(2.0f);
  const uint32_t qh = 0x80000001u;  // elements 0 and 31
  std::memcpy(b.qh, &qh, 4);
  b.qs[0] = 0x07;   // element 0: 7 (+16), element 16: 0
  b.qs[15] = 0xF0;  // element 15: 0, element 31: 15 (+16)
  float y[32];
  DequantizeRow(DType::kQ5_1, &b, y, 32);
  EXPECT_EQ(y[0], 23 * 0.5f + 2);
  EXPECT_EQ(y[16], 2.0f);
  EXPECT_EQ(y[15], 2.0f);
  EXPECT_EQ(y[31], 31 * 0.5f + 2);
}

TEST(Dequant, Q2_KKnownBlock) {
  BlockQ2_K b;
  b.d = F32ToF16(1.0f);
  b.dmin = F32ToF16(0.25f);
  for (int k = 0; k < 16; ++k) b.scales[k] = uint8_t(k | ((15 - k) << 4));
  std::memset(b.qs, 0xE4, sizeof b.qs);  // 2-bit fields 0, 1, 2, 3 from the low bits up
  float y[256];
  DequantizeRow(DType::kQ2_K, &b, y, 256);
  for (int e = 0; e < 256; ++e) {
    const int half = e / 128, s = (e % 128) / 32, part = (e % 32) / 16;
    const int k = 8 * half + 2 * s + part;  // scale index: one per 16 elements, in order
    ASSERT_EQ(y[e], float(k * s) - 0.25f * float(15 - k)) << e;
  }
}

TEST(Dequant, Q3_KKnownBlock) {
  BlockQ3_K b{};
  b.d = F32ToF16(0.5f);
  // Pack 16 six-bit scales e_i (value e_i - 32): low nibbles in bytes 0..7 (low nibble for
  // i < 8, high nibble for i >= 8), top two bits in byte 8 + i % 4 at bit 2 * (i / 4).
  int e[16];
  for (int i = 0; i < 16; ++i) {
    e[i] = (i * 7 + 5) & 63;
    b.scales[i % 8] |= uint8_t((e[i] & 0xF) << (i < 8 ? 0 : 4));
    b.scales[8 + i % 4] |= uint8_t((e[i] >> 4) << (2 * (i / 4)));
  }
  std::memset(b.qs, 0xE4, sizeof b.qs);
  for (int l = 0; l < 32; ++l) b.hmask[l] = l < 16 ? 0x0F : 0xF0;
  float y[256];
  DequantizeRow(DType::kQ3_K, &b, y, 256);
  for (int el = 0; el < 256; ++el) {
    const int half = el / 128, s = (el % 128) / 32, l = el % 32;
    const int chunk = 4 * half + s;  // hmask bit index
    const bool high = (b.hmask[l] >> chunk) & 1;
    const int k = 8 * half + 2 * s + l / 16;
    ASSERT_EQ(y[el], 0.5f * float(e[k] - 32) * float(s - (high ? 0 : 4))) << el;
  }
}

TEST(Dequant, Q4_KKnownBlock) {
  BlockQ4_K b{};
  b.d = F32ToF16(1.0f);
  b.dmin = F32ToF16(0.5f);
  const uint8_t packed[12] = {1 | 0x40, 2, 3, 4, 5 | 0x80, 6, 7, 8, 0x21, 0x43, 0x65, 0x87};
  std::memcpy(b.scales, packed, 12);
  // Six-bit values: the top bits of bytes 0..7 extend the scales/mins 4..7.
  const int sc[8] = {1, 2, 3, 4, 1 + 16, 3, 5, 7};
  const int mn[8] = {5, 6, 7, 8, 2 + 32, 4, 6, 8};
  std::memset(b.qs, 0x53, sizeof b.qs);  // low nibble 3 (even sub-blocks), high 5 (odd)
  float y[256];
  DequantizeRow(DType::kQ4_K, &b, y, 256);
  for (int el = 0; el < 256; ++el) {
    const int j = el / 32;
    ASSERT_EQ(y[el], float(sc[j] * (j % 2 ? 5 : 3)) - 0.5f * float(mn[j])) << el;
  }
}

TEST(Dequant, Q5_KKnownBlock) {
  BlockQ5_K b{};
  b.d = F32ToF16(2.0f);
  b.dmin = F32ToF16(1.0f);
  const uint8_t packed[12] = {1, 1, 1, 1, 3, 3, 3, 3, 0x31, 0x31, 0x31, 0x31};  // sc 1, min 3
  std::memcpy(b.scales, packed, 12);
  std::memset(b.qs, 0x21, sizeof b.qs);  // low nibble 1, high nibble 2
  std::memset(b.qh, 0x81, sizeof b.qh);  // fifth bit for sub-blocks 0 and 7
  float y[256];
  DequantizeRow(DType::kQ5_K, &b, y, 256);
  for (int el = 0; el < 256; ++el) {
    const int j = el / 32;
    const int q = (j % 2 ? 2 : 1) + (j == 0 || j == 7 ? 16 : 0);
    ASSERT_EQ(y[el], 2.0f * q - 3.0f) << el;
  }
}

TEST(Dequant, Q6_KKnownBlock) {
  BlockQ6_K b{};
  b.d = F32ToF16(0.25f);
  for (int i = 0; i < 16; ++i) b.scales[i] = int8_t(i + 1);
  // All quants 0 → value (0 - 32) * scale * d.
  float y[256];
  DequantizeRow(DType::kQ6_K, &b, y, 256);
  EXPECT_EQ(y[0], -32 * 1 * 0.25f);    // first 16 of the first quarter: scale 0
  EXPECT_EQ(y[16], -32 * 2 * 0.25f);   // next 16: scale 1
  EXPECT_EQ(y[32], -32 * 3 * 0.25f);   // second quarter starts at scale 2
  EXPECT_EQ(y[128], -32 * 9 * 0.25f);  // second half uses scales 8..15
  // Element 1 of the third quarter: high nibble of ql[1], bits 4..5 of qh[1].
  b.ql[1] = 0xA0;  // high nibble 10
  b.qh[1] = 0x30;  // bits 4..5 = 3 → q = 10 | 3 << 4 = 58
  b.scales[4] = -3;
  DequantizeRow(DType::kQ6_K, &b, y, 256);
  EXPECT_EQ(y[65], 0.25f * -3 * (58 - 32));
}

}  // namespace
}  // namespace inferno
