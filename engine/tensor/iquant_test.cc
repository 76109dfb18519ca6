// The codebook formats IQ4_NL, IQ4_XS and MXFP4: block layouts and dequantization against
// hand-computed values, and the quantizers' round-trip error and properties. Byte-identity
// with llama.cpp's quantizer is checked on real weights in
// engine/convert/quantize_fixture_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor/dequant.h"
#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

TEST(IQuantBlocks, TableEntries) {
  EXPECT_EQ(sizeof(BlockIQ4_NL), GetDTypeInfo(DType::kIQ4_NL).block_bytes);
  EXPECT_EQ(sizeof(BlockIQ4_XS), GetDTypeInfo(DType::kIQ4_XS).block_bytes);
  EXPECT_EQ(sizeof(BlockMXFP4), GetDTypeInfo(DType::kMXFP4).block_bytes);
  EXPECT_EQ(GetDTypeInfo(DType::kIQ4_NL).block_size, 32);
  EXPECT_EQ(GetDTypeInfo(DType::kIQ4_XS).block_size, 256);
  EXPECT_EQ(GetDTypeInfo(DType::kMXFP4).block_size, 32);
  // The GGUF type ids.
  EXPECT_EQ(FindDType(20)->name, "IQ4_NL");
  EXPECT_EQ(FindDType(23)->name, "IQ4_XS");
  EXPECT_EQ(FindDType(39)->name, "MXFP4");
  EXPECT_TRUE(FindDType(39)->quantized);
}

TEST(IQuantDequant, IQ4_NL) {
  BlockIQ4_NL b{};
  b.d = F32ToF16(0.5f);
  b.qs[0] = 0x9F;  // element 0: level 15 (113), element 16: level 9 (13)
  b.qs[1] = 0x08;  // element 1: level 8 (1), element 17: level 0 (-127)
  float y[32];
  DequantizeRow(DType::kIQ4_NL, &b, y, 32);
  EXPECT_EQ(y[0], 56.5f);
  EXPECT_EQ(y[16], 6.5f);
  EXPECT_EQ(y[1], 0.5f);
  EXPECT_EQ(y[17], -63.5f);
  EXPECT_EQ(y[2], -63.5f);  // zero bytes: level 0 in both nibbles
}

TEST(IQuantDequant, IQ4_XS) {
  BlockIQ4_XS b{};
  b.d = F32ToF16(0.25f);
  // Sub-block 0: low nibble 3, high bits 2 -> 35 - 32 = 3. Sub-block 1: 15 | 0 -> -17.
  // Sub-block 7: low 0 (high nibble of scales_l[3]), high bits 1 -> 16 - 32 = -16.
  b.scales_l[0] = 0xF3;
  b.scales_h = uint16_t(2 | (1 << 14));
  b.qs[0] = 0x70;    // elements 0 (level 0: -127) and 16 (level 7: -10)
  b.qs[16] = 0x0F;   // elements 32 (level 15: 113) and 48 (level 0)
  b.qs[112] = 0x88;  // elements 224 and 240: level 8 (1)
  EXPECT_EQ(IQ4XSScale(b, 0), 3);
  EXPECT_EQ(IQ4XSScale(b, 1), -17);
  EXPECT_EQ(IQ4XSScale(b, 2), -32);  // all-zero fields: the most negative scale
  EXPECT_EQ(IQ4XSScale(b, 7), -16);
  std::vector<float> y(256);
  DequantizeRow(DType::kIQ4_XS, &b, y.data(), 256);
  EXPECT_EQ(y[0], -95.25f);  // 0.25 * 3 * -127
  EXPECT_EQ(y[16], -7.5f);
  EXPECT_EQ(y[32], -480.25f);  // 0.25 * -17 * 113
  EXPECT_EQ(y[48], 539.75f);
  EXPECT_EQ(y[224], -4.0f);
  EXPECT_EQ(y[240], -4.0f);
  EXPECT_EQ(y[64], 1016.0f);  // 0.25 * -32 * -127
}

TEST(IQuantDequant, MXFP4) {
  BlockMXFP4 b[4]{};
  b[0].e = 127;       // scale 1: the E2M1 values themselves
  b[0].qs[0] = 0xF7;  // element 0: 0111 = +6, element 16: 1111 = -6
  b[0].qs[1] = 0x91;  // element 1: 0001 = +0.5, element 17: 1001 = -0.5
  b[0].qs[2] = 0x28;  // element 2: 1000 = -0, element 18: 0010 = +1
  b[1].e = 130;       // scale 8
  b[1].qs[0] = 0x05;  // element 0: 0101 = +3 -> 24
  b[2].e = 0;         // 2^-127, a subnormal scale
  b[2].qs[0] = 0x02;  // +1 -> 2^-127
  b[3].e = 1;
  b[3].qs[0] = 0x04;  // +2 * 2^-126 = 2^-125
  float y[128];
  DequantizeRow(DType::kMXFP4, b, y, 128);
  EXPECT_EQ(y[0], 6.0f);
  EXPECT_EQ(y[16], -6.0f);
  EXPECT_EQ(y[1], 0.5f);
  EXPECT_EQ(y[17], -0.5f);
  EXPECT_EQ(y[2], 0.0f);  // the integer table has no negative zero
  EXPECT_EQ(y[18], 1.0f);
  EXPECT_EQ(y[32], 24.0f);
  EXPECT_EQ(y[64], std::ldexp(1.0f, -127));
  EXPECT_EQ(y[96], std::ldexp(1.0f, -125));
}

TEST(IQuantDequant, E8M0HalfIsExact) {
  for (int e = 0; e < 255; ++e) EXPECT_EQ(E8M0Half(uint8_t(e)), std::ldexp(1.0f, e - 128)) << e;
}

std::vector<float> Gaussian(int64_t n, std::mt19937& rng, float sigma = 0.02f) {
  std::normal_distribution<float> g(0, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = g(rng);
  return x;
}

std::vector<float> RoundTrip(DType t, const std::vector<float>& x) {
  const int64_t n = int64_t(x.size());
  std::vector<uint8_t> q(RowBytes(t, n));
  QuantizeWeightRow(t, x.data(), q.data(), n);
  std::vector<float> y(n);
  DequantizeRow(t, q.data(), y.data(), n);
  return y;
}

double RelativeRmse(const std::vector<float>& x, const std::vector<float>& y) {
  double e = 0, s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    e += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    s += double(x[i]) * x[i];
  }
  return std::sqrt(e / s);
}

// Gaussian weights, the shape real ones have. Bounds a little above the measured errors
// (IQ4_NL 0.0762, IQ4_XS 0.0768, MXFP4 0.1143, Q4_0 0.0858 here).
TEST(IQuantQuantize, RoundTripError) {
  std::mt19937 rng(3);
  const std::vector<float> x = Gaussian(1 << 16, rng);
  const double nl = RelativeRmse(x, RoundTrip(DType::kIQ4_NL, x));
  const double xs = RelativeRmse(x, RoundTrip(DType::kIQ4_XS, x));
  const double mx = RelativeRmse(x, RoundTrip(DType::kMXFP4, x));
  const double q4 = RelativeRmse(x, RoundTrip(DType::kQ4_0, x));
  std::printf("[iquant] relative rmse IQ4_NL %.4f IQ4_XS %.4f MXFP4 %.4f (Q4_0 %.4f)\n", nl, xs, mx,
              q4);
  EXPECT_LT(nl, 0.080);
  EXPECT_LT(xs, 0.081);
  EXPECT_LT(mx, 0.120);
  EXPECT_LT(nl, q4);  // the point of the non-linear codebook
  EXPECT_LT(xs, q4);
}

TEST(IQuantQuantize, ZerosStayZero) {
  const std::vector<float> x(256, 0.0f);
  for (DType t : {DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4}) {
    for (float v : RoundTrip(t, x)) EXPECT_EQ(v, 0.0f) << DTypeName(t);
  }
  // IQ4 zero blocks decode to 0 * level 8 (the level nearest zero), MXFP4 to +0.
  BlockIQ4_NL nl;
  QuantizeWeightRow(DType::kIQ4_NL, x.data(), &nl, 32);
  EXPECT_EQ(nl.d, 0);
  EXPECT_EQ(nl.qs[0], 0x88);
  BlockMXFP4 mx;
  QuantizeWeightRow(DType::kMXFP4, x.data(), &mx, 32);
  EXPECT_EQ(mx.e, 0);
  EXPECT_EQ(mx.qs[0], 0x00);
}

// Values on the E2M1 grid times a power of two come back exactly.
TEST(IQuantQuantize, MXFP4RepresentableValuesAreExact) {
  std::mt19937 rng(5);
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) {
    const float scale = std::ldexp(1.0f, int(i / 32) - 4);
    x[i] = scale * 0.5f * float(kMXFP4Values[rng() % 16]);
  }
  for (size_t b = 0; b < 8; ++b) x[32 * b] = std::ldexp(1.0f, int(b) - 4) * 6;  // amax sets e
  EXPECT_EQ(RoundTrip(DType::kMXFP4, x), x);
}

// The largest element maps to 4..8 times the block scale, so at most 6·scale: it is
// clipped by at most 25% and never overflows the grid.
TEST(IQuantQuantize, MXFP4ScaleFromLargestMagnitude) {
  float x[32] = {};
  x[5] = -7.9f;  // floor(log2 7.9) = 2 -> e = 127: scale 1, clipped to -6
  BlockMXFP4 b;
  QuantizeWeightRow(DType::kMXFP4, x, &b, 32);
  EXPECT_EQ(b.e, 127);
  float y[32];
  DequantizeRow(DType::kMXFP4, &b, y, 32);
  EXPECT_EQ(y[5], -6.0f);
  x[5] = 0.26f;  // floor(log2 0.26) = -2 -> e = 123, scale 1/16: nearest of 0.25, 0.375
  QuantizeWeightRow(DType::kMXFP4, x, &b, 32);
  EXPECT_EQ(b.e, 123);
  DequantizeRow(DType::kMXFP4, &b, y, 32);
  EXPECT_EQ(y[5], 0.25f);
}

// Importance weights steer the scale search: the weighted error may not be worse than
// without them (the unweighted search is one of the candidates only approximately, so a
// small margin), and on average it is clearly better.
TEST(IQuantQuantize, ImportanceWeightsLowerWeightedError) {
  std::mt19937 rng(7);
  for (DType t : {DType::kIQ4_NL, DType::kIQ4_XS}) {
    const int64_t n = 1 << 14;
    const std::vector<float> x = Gaussian(n, rng);
    std::vector<float> imp(n);
    std::uniform_real_distribution<float> u(0, 1);
    for (float& v : imp) v = u(rng) < 0.1f ? 50.0f : 1.0f;  // a few columns matter a lot
    std::vector<uint8_t> with(RowBytes(t, n)), without(RowBytes(t, n));
    QuantizeIQ4Row(t, x.data(), with.data(), n, imp.data());
    QuantizeIQ4Row(t, x.data(), without.data(), n);
    std::vector<float> yw(n), yo(n);
    DequantizeRow(t, with.data(), yw.data(), n);
    DequantizeRow(t, without.data(), yo.data(), n);
    double ew = 0, eo = 0;
    for (int64_t i = 0; i < n; ++i) {
      ew += imp[i] * (x[i] - yw[i]) * (x[i] - yw[i]);
      eo += imp[i] * (x[i] - yo[i]) * (x[i] - yo[i]);
    }
    std::printf("[iquant] %s importance-weighted error with/without importances: %.3f\n",
                std::string(DTypeName(t)).c_str(), ew / eo);
    EXPECT_LT(ew, 0.97 * eo) << DTypeName(t);
    // Without importances the weighted entry point matches QuantizeWeightRow.
    std::vector<uint8_t> plain(RowBytes(t, n));
    QuantizeWeightRow(t, x.data(), plain.data(), n);
    EXPECT_EQ(plain, without);
  }
}

}  // namespace
}  // namespace inferno
