#include "engine/ops/attention_f32.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"

namespace inferno::ops {
namespace {

// The definition, in double: per head and query, softmax over the keys it may see.
std::vector<double> Reference(const AttentionF32Args& a) {
  const int64_t width = int64_t(a.n_head) * a.head_dim;
  std::vector<double> out(size_t(a.n * width), 0.0);
  for (int h = 0; h < a.n_head; ++h) {
    for (int64_t i = 0; i < a.n; ++i) {
      std::vector<double> s(size_t(a.n), -INFINITY);
      double mx = -INFINITY;
      for (int64_t j = 0; j < a.n; ++j) {
        if (a.group != nullptr && a.group[j] != a.group[i]) continue;
        double dot = 0;
        for (int e = 0; e < a.head_dim; ++e) {
          dot += double(a.q[i * width + h * a.head_dim + e]) * a.k[j * width + h * a.head_dim + e];
        }
        s[j] = dot * a.scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (double& x : s) sum += x = std::exp(x - mx);
      for (int64_t j = 0; j < a.n; ++j) {
        for (int e = 0; e < a.head_dim; ++e) {
          out[i * width + h * a.head_dim + e] += s[j] / sum * a.v[j * width + h * a.head_dim + e];
        }
      }
    }
  }
  return out;
}

struct Shape {
  int64_t n;
  int n_head, head_dim;
  bool groups;
};

// Every ISA's kernels against the double-precision definition, on shapes that leave remainders
// everywhere (tokens not a multiple of 8, 16 or the query block; head widths not a multiple of
// 16), with and without window groups, on 1 and 3 threads.
TEST(AttentionF32, MatchesTheDefinition) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const Shape kShapes[] = {{1, 1, 8, false},    {7, 2, 72, false},  {37, 3, 16, true},
                           {130, 4, 64, false}, {300, 2, 40, true}, {65, 16, 72, false}};
  for (const Shape& sh : kShapes) {
    const int64_t width = int64_t(sh.n_head) * sh.head_dim;
    std::vector<float> q(size_t(sh.n * width)), k(q.size()), v(q.size());
    for (auto* buf : {&q, &k, &v}) {
      for (float& x : *buf) x = normal(rng);
    }
    std::vector<int32_t> group(size_t(sh.n));
    for (int64_t i = 0; i < sh.n; ++i) group[size_t(i)] = int32_t((i * 7) % 5);  // interleaved
    AttentionF32Args a;
    a.q = q.data(), a.k = k.data(), a.v = v.data(), a.n = sh.n, a.n_head = sh.n_head;
    a.head_dim = sh.head_dim, a.scale = 1.0f / std::sqrt(float(sh.head_dim));
    a.group = sh.groups ? group.data() : nullptr;
    const std::vector<double> want = Reference(a);
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      std::vector<float> out(q.size(), NAN);
      a.out = out.data();
      AttentionF32(pool, a);
      for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_NEAR(out[i], want[i], 2e-5 * (1 + std::fabs(want[i])))
            << IsaName(ActiveIsa()) << " n=" << sh.n << " heads=" << sh.n_head
            << " d=" << sh.head_dim << " i=" << i;
      }
    }
  }
}

// The AVX-512 pieces against the scalar ones (which the test above checks through the active
// ISA only): the GEMM on every tile shape, the exponentials and their sum.
TEST(AttentionF32, Avx512PiecesMatchScalar) {
  if (DetectedIsa() != Isa::kAvx512) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t rows : {8, 24}) {
    for (int64_t n : {16, 32, 48, 80}) {
      for (int64_t k : {1, 13, 80}) {
        std::vector<float> a(size_t(rows * k)), b(size_t(k * n));
        for (float& x : a) x = normal(rng);
        for (float& x : b) x = normal(rng);
        std::vector<float> want(size_t(rows * n)), got(want.size());
        GemmF32Scalar(rows, n, k, a.data(), k, b.data(), n, want.data(), n);
        GemmF32Avx512(rows, n, k, a.data(), k, b.data(), n, got.data(), n);
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-5f * (1 + std::fabs(want[i]))) << rows << "x" << n;
        }
      }
    }
  }
  for (int64_t n : {16, 37, 4096}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = 10 * normal(rng);
    x[0] = -INFINITY;  // a masked score
    std::vector<float> want = x, got = x;
    const double sum_want = ExpShiftSumScalar(want.data(), n, 30.0f);
    const double sum_got = ExpShiftSumAvx512(got.data(), n, 30.0f);
    EXPECT_NEAR(sum_got, sum_want, 1e-6 * sum_want);
    EXPECT_EQ(got[0], 0.0f);
    for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 2e-7f * want[i] + 1e-30f) << i;
    std::vector<float> scaled_want = x, scaled_got = x;
    EXPECT_EQ(ScaleMaxAvx512(scaled_got.data(), n, 0.125f),
              ScaleMaxScalar(scaled_want.data(), n, 0.125f));
    EXPECT_EQ(scaled_got, scaled_want);
  }
}

// A window mask really restricts: with one group per token, each output is its own value row.
TEST(AttentionF32, SingletonGroupsReturnTheTokensOwnValues) {
  const int64_t n = 20;
  const int d = 24;
  std::vector<float> q(n * d), k(n * d), v(n * d);
  for (size_t i = 0; i < q.size(); ++i) q[i] = float(i % 7), k[i] = float(i % 5), v[i] = float(i);
  std::vector<int32_t> group(n);
  for (int64_t i = 0; i < n; ++i) group[size_t(i)] = int32_t(i);
  ThreadPool pool(2);
  std::vector<float> out(q.size());
  AttentionF32Args a;
  a.q = q.data(), a.k = k.data(), a.v = v.data(), a.n = n, a.n_head = 1, a.head_dim = d;
  a.group = group.data(), a.out = out.data();
  AttentionF32(pool, a);
  EXPECT_EQ(out, v);
}

}  // namespace
}  // namespace inferno::ops
