#include "engine/ops/quantize_activations.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

// Rows that exercise the edge cases: zeros, a tie between +max and -max, tiny values whose
// scale is an F16 subnormal, huge values, exact .5 products.
std::vector<std::vector<float>> TestRows(int64_t n) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> rows;
  for (float scale : {1.0f, 1e-6f, 3e4f, 1e-30f}) {
    std::vector<float> r(n);
    for (float& v : r) v = normal(rng) * scale;
    rows.push_back(r);
  }
  rows.emplace_back(n, 0.0f);
  std::vector<float> tie(n, 0.25f);
  tie[3] = -2.0f;
  tie[9] = 2.0f;
  tie[200] = 2.0f;
  rows.push_back(tie);
  std::vector<float> halves(n);
  for (int64_t i = 0; i < n; ++i) halves[i] = float(i % 255) - 127.0f + 0.5f;
  rows.push_back(halves);
  std::vector<float> some_zero_blocks(n, 0.0f);
  for (int64_t i = n / 2; i < n; ++i) some_zero_blocks[i] = normal(rng);
  rows.push_back(some_zero_blocks);
  return rows;
}

void ExpectBitIdenticalToQuantizeRow(QuantizeActivationsFn (*table)(DType)) {
  const int64_t n = 1024;
  for (DType type : {DType::kQ8_0, DType::kQ8_1, DType::kQ8_K}) {
    const QuantizeActivationsFn fn = table(type);
    ASSERT_NE(fn, nullptr);
    const size_t bytes = RowBytes(type, n);
    int row_index = 0;
    for (const std::vector<float>& row : TestRows(n)) {
      std::vector<uint8_t> want(bytes, 0xAA), got(bytes, 0x55);
      QuantizeRow(type, row.data(), want.data(), n);
      fn(row.data(), got.data(), n);
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), bytes))
          << DTypeName(type) << " row " << row_index;
      ++row_index;
    }
  }
  EXPECT_EQ(table(DType::kBF16), nullptr);
}

TEST(QuantizeActivations, BitIdenticalToQuantizeRow) {
  if (ActiveIsa() != Isa::kAvx512) GTEST_SKIP() << "needs AVX-512";
  ExpectBitIdenticalToQuantizeRow(Avx512QuantizeActivations);
}

TEST(QuantizeActivations, Avx2BitIdenticalToQuantizeRow) {
  if (!Supports(DetectedIsa(), Isa::kAvx2)) GTEST_SKIP() << "needs AVX2";
  ExpectBitIdenticalToQuantizeRow(Avx2QuantizeActivations);
}

}  // namespace
}  // namespace inferno::ops
