#include "engine/ops/hadamard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace inferno::ops {
namespace {

// The Sylvester Hadamard matrix entry (-1)^popcount(i & j), divided by sqrt(n): the matrix
// llama.cpp builds (ggml_gen_hadamard), applied as a plain matrix-vector product.
std::vector<double> Reference(const std::vector<float>& x) {
  const int n = int(x.size());
  std::vector<double> y(n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      y[i] += (__builtin_popcount(unsigned(i & j)) % 2 ? -1.0 : 1.0) * x[j];
    }
    y[i] /= std::sqrt(double(n));
  }
  return y;
}

TEST(Hadamard, MatchesTheMatrixAndIsItsOwnInverse) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0, 1);
  for (int n : {1, 2, 64, 128}) {
    std::vector<float> x(n);
    for (float& v : x) v = nd(rng);
    std::vector<float> y = x;
    Hadamard(y.data(), n);
    const std::vector<double> want = Reference(x);
    for (int i = 0; i < n; ++i) ASSERT_NEAR(y[i], want[i], 1e-5) << n << " " << i;
    Hadamard(y.data(), n);
    for (int i = 0; i < n; ++i) ASSERT_NEAR(y[i], x[i], 1e-5) << n << " " << i;
  }
}

TEST(Hadamard, ChunksRotateEachBlockOnItsOwn) {
  std::vector<float> x(128, 0.0f);
  x[0] = 8.0f;   // first chunk: a spike spreads evenly
  x[64] = 1.0f;  // second chunk likewise, not mixed with the first
  HadamardChunks(x.data(), 128, 64);
  for (int i = 0; i < 64; ++i) {
    ASSERT_FLOAT_EQ(x[i], 1.0f);
    ASSERT_FLOAT_EQ(x[64 + i], 0.125f);
  }
}

}  // namespace
}  // namespace inferno::ops
