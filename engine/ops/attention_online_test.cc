#include "engine/ops/attention_online.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/ops/kernel_test_util.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

using testing::Dequantized;
using testing::QueryAsSeen;

struct Kernel {
  const char* name;
  AttentionOnlineFn fn;
};

std::vector<Kernel> Kernels() {
  std::vector<Kernel> ks = {{"scalar", AttentionOnlineScalar}};
  if (Supports(DetectedIsa(), Isa::kAvx2)) ks.push_back({"avx2", AttentionOnlineAvx2});
  if (Supports(DetectedIsa(), Isa::kAvx512)) ks.push_back({"avx512", AttentionOnlineAvx512});
  if (Supports(DetectedIsa(), Isa::kNeon)) ks.push_back({"neon", AttentionOnlineNeon});
  return ks;
}

struct Case {
  DType k_type, v_type;
  int head_dim, n_keys, n_rows, n_parts;
  bool sinks;
};

struct Data {
  std::vector<float> q;  // n_rows × head_dim
  std::vector<uint8_t> k, v;
  size_t k_row, v_row;
  std::vector<float> sinks;
};

Data MakeData(const Case& c, std::mt19937& rng) {
  // Scores spread over several units of e (scale below), so the running maximum moves
  // across tiles and the rescaling is exercised; one key far above the rest tests a late
  // maximum.
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.q.resize(size_t(c.n_rows) * c.head_dim);
  for (float& x : d.q) x = n(rng);
  d.k_row = RowBytes(c.k_type, c.head_dim);
  d.v_row = RowBytes(c.v_type, c.head_dim);
  d.k.resize(d.k_row * c.n_keys);
  d.v.resize(d.v_row * c.n_keys);
  std::vector<float> row(c.head_dim);
  for (int j = 0; j < c.n_keys; ++j) {
    const float boost = j == c.n_keys * 3 / 4 ? 4.0f : 1.0f;
    for (int i = 0; i < c.head_dim; ++i) row[i] = n(rng) * boost;
    QuantizeRow(c.k_type, row.data(), d.k.data() + j * d.k_row, c.head_dim);
    for (float& x : row) x = n(rng);
    QuantizeRow(c.v_type, row.data(), d.v.data() + j * d.v_row, c.head_dim);
  }
  if (c.sinks) {
    for (int r = 0; r < c.n_rows; ++r) d.sinks.push_back(n(rng) * 3);
  }
  return d;
}

// Plain softmax attention in double of one query row over the dequantized keys and values,
// with the query as the kernels see it: no rounding of the probabilities.
std::vector<double> Reference(const Case& c, const Data& d, int r, float scale) {
  const std::vector<float> q = QueryAsSeen(c.k_type, d.q.data() + r * c.head_dim, c.head_dim);
  std::vector<double> s(c.n_keys);
  double mx = c.sinks ? double(d.sinks[r]) : -INFINITY;
  for (int j = 0; j < c.n_keys; ++j) {
    const std::vector<float> k = Dequantized(c.k_type, d.k.data() + j * d.k_row, c.head_dim);
    double dot = 0;
    for (int i = 0; i < c.head_dim; ++i) dot += double(q[i]) * k[i];
    s[j] = dot * scale;
    mx = std::max(mx, s[j]);
  }
  double sum = c.sinks ? std::exp(double(d.sinks[r]) - mx) : 0.0;
  for (double& x : s) sum += (x = std::exp(x - mx));
  std::vector<double> out(c.head_dim, 0.0);
  for (int j = 0; j < c.n_keys; ++j) {
    const std::vector<float> v = Dequantized(c.v_type, d.v.data() + j * d.v_row, c.head_dim);
    for (int i = 0; i < c.head_dim; ++i) out[i] += s[j] / sum * v[i];
  }
  return out;
}

// Runs the kernel over n_parts key ranges (as blocks::Attention splits a context across
// threads) and combines them.
std::vector<float> RunSplit(AttentionOnlineFn fn, const Case& c, const Data& d, float scale) {
  const int64_t part_floats = c.n_rows * PartialRowFloats(c.head_dim);
  std::vector<float> parts(part_floats * c.n_parts);
  std::vector<float> scratch(AttentionOnlineScratchFloats(c.n_rows, c.head_dim));
  for (int p = 0; p < c.n_parts; ++p) {
    const int lo = c.n_keys * p / c.n_parts, hi = c.n_keys * (p + 1) / c.n_parts;
    AttentionF16Args a;
    a.head_dim = a.head_dim_v = c.head_dim;
    a.n_rows = c.n_rows;
    a.q = d.q.data();
    a.q_stride = c.head_dim;
    a.k = d.k.data() + lo * d.k_row;
    a.k_stride = int64_t(d.k_row);
    a.v = d.v.data() + lo * d.v_row;
    a.v_stride = int64_t(d.v_row);
    a.k_type = c.k_type;
    a.v_type = c.v_type;
    a.n_keys = hi - lo;
    a.scale = scale;
    a.scratch = scratch.data();
    fn(a, parts.data() + p * part_floats);
  }
  std::vector<float> out(size_t(c.n_rows) * c.head_dim);
  CombinePartials(parts.data(), c.n_parts, c.n_rows, c.head_dim, c.sinks ? d.sinks.data() : nullptr,
                  out.data(), c.head_dim);
  return out;
}

// Tolerance: the kernels sum in float what the reference sums in double; for these values
// (|v| up to about 4) we measured at most 2.2e-6 absolute over every case below, at every ISA.
// Bound: 1e-5 (one key of these 300-key contexts weighs about 3e-3, so a key missed, counted
// twice or weighted against a stale maximum fails it).
constexpr double kTolerance = 1e-5;

void Check(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const Data d = MakeData(c, rng);
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  std::vector<std::vector<double>> want;
  for (int r = 0; r < c.n_rows; ++r) want.push_back(Reference(c, d, r, scale));
  for (const Kernel& k : Kernels()) {
    const std::vector<float> got = RunSplit(k.fn, c, d, scale);
    double worst = 0;
    for (int r = 0; r < c.n_rows; ++r) {
      for (int i = 0; i < c.head_dim; ++i) {
        worst = std::max(worst, std::abs(got[r * c.head_dim + i] - want[r][i]));
      }
    }
    EXPECT_LE(worst, kTolerance) << k.name << " K " << DTypeName(c.k_type) << " V "
                                 << DTypeName(c.v_type) << " head_dim " << c.head_dim << " keys "
                                 << c.n_keys << " rows " << c.n_rows << " parts " << c.n_parts;
  }
}

TEST(AttentionOnline, MatchesDoubleReferenceForEveryCacheType) {
  const DType types[] = {DType::kF16, DType::kQ8_0, DType::kQ4_0};
  uint32_t seed = 1;
  for (DType kt : types) {
    for (DType vt : types) {
      Check({kt, vt, 64, 300, 4, 1, false}, seed++);
      Check({kt, vt, 128, 77, 2, 1, false}, seed++);
    }
  }
}

TEST(AttentionOnline, SplitRangesCombineToTheWholeContext) {
  // Uneven parts, a part shorter than one tile, more rows than one pass of the F16 kernels.
  Check({DType::kF16, DType::kF16, 64, 2000, 4, 3, false}, 11);
  Check({DType::kF16, DType::kF16, 64, 40, 6, 4, false}, 12);
  Check({DType::kQ8_0, DType::kQ8_0, 64, 1500, 4, 5, false}, 13);
  Check({DType::kQ4_0, DType::kF16, 128, 999, 1, 2, false}, 14);
}

TEST(AttentionOnline, SinksJoinTheDenominator) {
  Check({DType::kF16, DType::kF16, 64, 100, 4, 2, true}, 21);
  Check({DType::kQ8_0, DType::kQ4_0, 64, 100, 2, 1, true}, 22);
}

TEST(AttentionOnline, HeadSizesThatAreNotWholeVectors) {
  // F16 only (quantized rows are whole blocks of 32): 72 = 4.5 AVX-512 vectors.
  Check({DType::kF16, DType::kF16, 72, 50, 3, 2, false}, 31);
}

TEST(CombinePartials, OnePartNormalises) {
  // A partial of one row with head_dim_v 2: acc (2, 4), max 0.5, sum 2 -> out (1, 2).
  const int64_t ps = PartialRowFloats(2);
  std::vector<float> part(ps, 0.0f);
  part[0] = 2;
  part[1] = 4;
  part[ps - 16] = 0.5f;
  part[ps - 15] = 2;
  float out[2];
  CombinePartials(part.data(), 1, 1, 2, nullptr, out, 2);
  EXPECT_FLOAT_EQ(out[0], 1.0f);
  EXPECT_FLOAT_EQ(out[1], 2.0f);
  // A sink logit equal to the max adds e^0 = 1 to the denominator: (2, 4) / 3.
  const float sink = 0.5f;
  CombinePartials(part.data(), 1, 1, 2, &sink, out, 2);
  EXPECT_FLOAT_EQ(out[0], 2.0f / 3);
  EXPECT_FLOAT_EQ(out[1], 4.0f / 3);
}

}  // namespace
}  // namespace inferno::ops
