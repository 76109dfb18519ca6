#include "engine/tensor/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno {
namespace {

TEST(Quantize, Q8_0ExactBytes) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = float(j - 16) / 16.0f;  // amax = 1
  BlockQ8_0 b;
  QuantizeRow(DType::kQ8_0, x, &b, 32);
  EXPECT_EQ(b.d, F32ToF16(1.0f / 127));
  for (int j = 0; j < 32; ++j) {
    // 127 * (j - 16) / 16; the only ties (±63.5 at j = 8, 24) go to the even neighbour.
    const int want = j == 8 ? -64 : j == 24 ? 64 : int(std::lround(127.0 * (j - 16) / 16));
    EXPECT_EQ(b.qs[j], want) << j;
  }
}

// llama.cpp's x86 build quantizes activations with x * (127 / amax) rounded half to even
// (_mm256_round_ps), not with the portable reference's roundf(x / d). Our logits follow the
// x86 build, so ties must go to even.
TEST(Quantize, Q8_0TiesGoToEven) {
  float x[32] = {};
  x[0] = 127.0f;  // id = 127 / 127 = 1 exactly
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 3.5f;
  x[4] = -0.5f;
  BlockQ8_0 b;
  QuantizeRow(DType::kQ8_0, x, &b, 32);
  EXPECT_EQ(b.d, F32ToF16(1.0f));
  EXPECT_EQ(b.qs[0], 127);
  EXPECT_EQ(b.qs[1], 2);
  EXPECT_EQ(b.qs[2], -2);
  EXPECT_EQ(b.qs[3], 4);
  EXPECT_EQ(b.qs[4], 0);
}

TEST(Quantize, Q8_0AllZeros) {
  float x[32] = {};
  BlockQ8_0 b;
  QuantizeRow(DType::kQ8_0, x, &b, 32);
  EXPECT_EQ(b.d, 0);
  for (int8_t q : b.qs) EXPECT_EQ(q, 0);
}

TEST(Quantize, Q8_1StoresScaledSum) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = float(j) / 31.0f;  // amax = 1 at j = 31
  BlockQ8_1 b;
  QuantizeRow(DType::kQ8_1, x, &b, 32);
  int sum = 0;
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(b.qs[j], int(std::nearbyint(float(j) / 31.0f * 127.0f))) << j;
    sum += b.qs[j];
  }
  EXPECT_EQ(b.d, F32ToF16(1.0f / 127));
  EXPECT_EQ(b.s, F32ToF16(1.0f / 127 * float(sum)));
}

TEST(Quantize, Q8_KExactBytes) {
  // Largest magnitude is negative (x[0] = -1): iscale = -127 / -1 = 127, d = 1/127.
  std::vector<float> x(256);
  for (int j = 0; j < 256; ++j) x[j] = float(j - 128) / 128.0f;
  BlockQ8_K b;
  QuantizeRow(DType::kQ8_K, x.data(), &b, 256);
  EXPECT_FLOAT_EQ(b.d, 1.0f / 127);
  for (int j = 0; j < 256; ++j) {
    const float v = 127.0f * x[j];
    EXPECT_EQ(b.qs[j], int(std::nearbyint(v))) << j;
  }
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[64], -64);  // -63.5 → even
  EXPECT_EQ(b.qs[192], 64);  // 63.5 → even
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += b.qs[16 * g + l];
    EXPECT_EQ(b.bsums[g], sum) << g;
  }
  // Largest magnitude positive: it maps to -127 and d is negative.
  for (float& v : x) v = -v;
  QuantizeRow(DType::kQ8_K, x.data(), &b, 256);
  EXPECT_FLOAT_EQ(b.d, -1.0f / 127);
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[255], int(std::nearbyint(-127.0f * x[255])));
}

TEST(Quantize, Q4_0ExactBytes) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = float(j % 16) - 8.0f;  // -8 .. 7, max |x| = -8
  x[31] = 0.5f;
  BlockQ4_0 b;
  QuantizeRow(DType::kQ4_0, x, &b, 32);
  EXPECT_EQ(b.d, F32ToF16(1.0f));  // d = max / -8 = 1
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(b.qs[j] & 0xF, j) << j;
    if (j < 15) {
      EXPECT_EQ(b.qs[j] >> 4, j) << j;
    }
  }
  EXPECT_EQ(b.qs[15] >> 4, 9);  // 0.5 + 8.5 = 9, truncated
}

TEST(Quantize, RoundTripErrorBounds) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> x(512), y(512);
  for (float& v : x) v = nd(rng);
  struct Case {
    DType t;
    // Error bound relative to the block's max |x|: half a quantization step. Q4_0/Q5_0 map
    // the signed extreme to -8 (-16), so the opposite end only reaches 7/8 (15/16) of it.
    float rel;
  } cases[] = {{DType::kQ8_0, 0.5f / 127}, {DType::kQ8_1, 0.5f / 127}, {DType::kQ8_K, 0.5f / 127},
               {DType::kQ4_0, 1.0f / 8},   {DType::kQ4_1, 1.0f / 15},  {DType::kQ5_0, 1.0f / 16},
               {DType::kQ5_1, 1.0f / 31},  {DType::kF16, 1.0f / 2048}, {DType::kBF16, 1.0f / 256},
               {DType::kF32, 0.0f}};
  for (const Case& c : cases) {
    ASSERT_TRUE(CanQuantize(c.t));
    const int64_t bs = GetDTypeInfo(c.t).block_size == 1 ? 32 : GetDTypeInfo(c.t).block_size;
    std::vector<uint8_t> buf(RowBytes(c.t, 512));
    QuantizeRow(c.t, x.data(), buf.data(), 512);
    DequantizeRow(c.t, buf.data(), y.data(), 512);
    for (int64_t b0 = 0; b0 < 512; b0 += bs) {
      float amax = 0;
      for (int64_t i = b0; i < b0 + bs; ++i) amax = std::max(amax, std::fabs(x[i]));
      for (int64_t i = b0; i < b0 + bs; ++i) {
        // F16 scales add a relative error of 2^-11 to every element.
        ASSERT_NEAR(y[i], x[i], (c.rel * 1.01f + 1.0f / 2048) * amax)
            << DTypeName(c.t) << " element " << i;
      }
    }
  }
  EXPECT_FALSE(CanQuantize(DType::kQ4_K));
}

}  // namespace
}  // namespace inferno
