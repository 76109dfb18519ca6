// Weight quantizers: every format decodes (through the reference dequantizer) to values
// within its expected error, more bits give less error, and degenerate blocks (all zero,
// constant, one outlier) survive.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/tensor/dequant.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

std::vector<float> Gaussian(int64_t n, unsigned seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = nd(rng);
  return v;
}

std::vector<float> RoundTrip(DType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(RowBytes(t, int64_t(x.size())));
  QuantizeWeightRow(t, x.data(), q.data(), int64_t(x.size()));
  std::vector<float> y(x.size());
  DequantizeRow(t, q.data(), y.data(), int64_t(x.size()));
  return y;
}

double RelRmse(const std::vector<float>& x, const std::vector<float>& y) {
  double e = 0, s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    e += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    s += double(x[i]) * x[i];
  }
  return std::sqrt(e / s);
}

struct Bound {
  DType type;
  double max_rel_rmse;  // on unit Gaussian data; from the format's bits per weight
};

// Uniform quantization of a Gaussian block to b bits gives a relative RMSE of roughly
// range / (2^b · √12); block scales and the scale search move it a little either way. The
// bounds leave ~25% headroom over what the quantizers achieve.
const Bound kBounds[] = {
    {DType::kQ8_0, 0.006}, {DType::kQ6_K, 0.022}, {DType::kQ5_K, 0.045}, {DType::kQ5_0, 0.055},
    {DType::kQ5_1, 0.050}, {DType::kQ4_K, 0.090}, {DType::kQ4_0, 0.120}, {DType::kQ4_1, 0.100},
    {DType::kQ3_K, 0.190}, {DType::kQ2_K, 0.360}, {DType::kF16, 0.001},  {DType::kBF16, 0.004},
};

TEST(QuantizeWeights, ErrorWithinBoundsOnGaussianRows) {
  const std::vector<float> x = Gaussian(256 * 64, 3);
  for (const Bound& b : kBounds) {
    const double e = RelRmse(x, RoundTrip(b.type, x));
    EXPECT_LE(e, b.max_rel_rmse) << DTypeName(b.type);
    EXPECT_GT(e, 0.0) << DTypeName(b.type);
    std::printf("[quant] %-5s relative RMSE %.4f\n", std::string(DTypeName(b.type)).c_str(), e);
  }
}

TEST(QuantizeWeights, MoreBitsLessError) {
  const std::vector<float> x = Gaussian(256 * 32, 5, 0.02f);
  const DType order[] = {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                         DType::kQ5_K, DType::kQ6_K, DType::kQ8_0};
  double prev = 1e9;
  for (DType t : order) {
    const double e = RelRmse(x, RoundTrip(t, x));
    EXPECT_LT(e, prev) << DTypeName(t);
    prev = e;
  }
}

TEST(QuantizeWeights, KQuantSearchBeatsNaiveScales) {
  // Q4_K's least-squares scales must do better than Q4_1's range-based ones (same 4 bits,
  // min and scale per 32 elements, but no search).
  const std::vector<float> x = Gaussian(256 * 32, 9);
  EXPECT_LT(RelRmse(x, RoundTrip(DType::kQ4_K, x)), RelRmse(x, RoundTrip(DType::kQ4_1, x)));
}

TEST(QuantizeWeights, DegenerateBlocks) {
  for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                  DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    SCOPED_TRACE(std::string(DTypeName(t)));
    const std::vector<float> zeros(512, 0.0f);
    for (float v : RoundTrip(t, zeros)) ASSERT_EQ(v, 0.0f);
    // One large outlier among small values: the outlier is kept to within a few percent.
    std::vector<float> spike = Gaussian(512, 11, 0.01f);
    spike[77] = 5.0f;
    const std::vector<float> y = RoundTrip(t, spike);
    EXPECT_NEAR(y[77], 5.0f, 0.25f);
    for (float v : y) ASSERT_TRUE(std::isfinite(v));
    // Negative constant rows (the formats with a min store it as a subtracted magnitude).
    const std::vector<float> neg(512, -0.5f);
    for (float v : RoundTrip(t, neg)) ASSERT_NEAR(v, -0.5f, 0.02f);
  }
}

}  // namespace
}  // namespace inferno
