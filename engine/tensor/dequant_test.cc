#include "engine/tensor/dequant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

TEST(Fp16, KnownValues) {
  EXPECT_EQ(F32ToF16(1.0f), 0x3C00);
  EXPECT_EQ(F32ToF16(-2.0f), 0xC000);
  EXPECT_EQ(F32ToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(F32ToF16(1e6f), 0x7C00);                // overflow → inf
  EXPECT_EQ(F32ToF16(5.9604645e-08f), 0x0001);      // smallest subnormal
  EXPECT_EQ(F32ToF16(1.0f + 1.0f / 2048), 0x3C00);  // tie → even
  EXPECT_EQ(F32ToF16(1.0f + 3.0f / 2048), 0x3C02);  // tie → even (up)
  for (uint32_t h = 0; h < 0x7C00; ++h) EXPECT_EQ(F32ToF16(F16ToF32(uint16_t(h))), h);
  EXPECT_EQ(F32ToBF16(1.0f), 0x3F80);
  EXPECT_FLOAT_EQ(BF16ToF32(0x4049), 3.140625f);
}

TEST(Dequant, Q4_0KnownBlock) {
  BlockQ4_0 b;
  b.d = F32ToF16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
  float y[32];
  DequantizeRow(DType::kQ4_0, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_FLOAT_EQ(y[j], (j - 8) * 0.5f);
    EXPECT_FLOAT_EQ(y[j + 16], (15 - j - 8) * 0.5f);
  }
}

TEST(Dequant, Q5_0FifthBit) {
  BlockQ5_0 b{};
  b.d = F32ToF16(1.0f);
  const uint32_t qh = (1u << 3) | (1u << 20);  // element 3 and element 16+4 get bit 4
  std::memcpy(b.qh, &qh, 4);
  float y[32];
  DequantizeRow(DType::kQ5_0, &b, y, 32);
  EXPECT_FLOAT_EQ(y[0], -16.0f);
  EXPECT_FLOAT_EQ(y[3], 0.0f);
  EXPECT_FLOAT_EQ(y[20], 0.0f);
}

TEST(Dequant, Q6_KKnownBlock) {
  BlockQ6_K b{};
  b.d = F32ToF16(0.25f);
  for (int i = 0; i < 16; ++i) b.scales[i] = int8_t(i + 1);
  // All quants 0 → value (0 - 32) * scale * d.
  float y[256];
  DequantizeRow(DType::kQ6_K, &b, y, 256);
  EXPECT_FLOAT_EQ(y[0], -32 * 1 * 0.25f);    // first 16 of the first quarter: scale 0
  EXPECT_FLOAT_EQ(y[16], -32 * 2 * 0.25f);   // next 16: scale 1
  EXPECT_FLOAT_EQ(y[32], -32 * 3 * 0.25f);   // second quarter starts at scale 2
  EXPECT_FLOAT_EQ(y[128], -32 * 9 * 0.25f);  // second half uses scales 8..15
}

TEST(Quantize, Q8_0ExactBytes) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = float(j - 16) / 16.0f;  // amax = 1
  BlockQ8_0 b;
  QuantizeRow(DType::kQ8_0, x, &b, 32);
  EXPECT_EQ(b.d, F32ToF16(1.0f / 127));
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[16], 0);
  EXPECT_EQ(b.qs[24], 64);   // 0.5 * 127 = 63.5 → 64 (half to even)
  EXPECT_EQ(b.qs[31], 119);  // 15/16 * 127 = 119.06
}

TEST(Quantize, RoundTripErrorBounds) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> x(512), y(512);
  for (float& v : x) v = nd(rng);
  struct Case {
    DType t;
    float rel;  // error bound relative to the row's max |x|
  } cases[] = {{DType::kQ8_0, 0.005f}, {DType::kQ8_1, 0.005f}, {DType::kQ8_K, 0.005f},
               {DType::kQ4_0, 0.07f},  {DType::kQ4_1, 0.07f},  {DType::kQ5_0, 0.035f},
               {DType::kQ5_1, 0.035f}, {DType::kF16, 0.001f},  {DType::kBF16, 0.005f}};
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  for (const Case& c : cases) {
    std::vector<uint8_t> buf(RowBytes(c.t, 512));
    QuantizeRow(c.t, x.data(), buf.data(), 512);
    DequantizeRow(c.t, buf.data(), y.data(), 512);
    for (int i = 0; i < 512; ++i) {
      ASSERT_NEAR(y[i], x[i], c.rel * amax) << DTypeName(c.t) << " element " << i;
    }
  }
}

}  // namespace
}  // namespace inferno
