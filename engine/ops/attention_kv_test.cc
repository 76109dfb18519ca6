#include "engine/ops/attention_kv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/ops/kernel_test_util.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops {
namespace {

using testing::Dequantized;
using testing::QueryAsSeen;

struct Kernel {
  const char* name;
  Isa isa;
  AttentionF16Fn fn;
};

std::vector<Kernel> Kernels() {
  std::vector<Kernel> ks = {{"scalar", Isa::kScalar, AttentionKvScalar}};
  if (Supports(DetectedIsa(), Isa::kAvx2)) ks.push_back({"avx2", Isa::kAvx2, AttentionKvAvx2});
  if (Supports(DetectedIsa(), Isa::kAvx512))
    ks.push_back({"avx512", Isa::kAvx512, AttentionKvAvx512});
  if (Supports(DetectedIsa(), Isa::kNeon)) ks.push_back({"neon", DetectedIsa(), AttentionKvNeon});
  return ks;
}

struct Case {
  DType k_type, v_type;
  int head_dim, n_keys, group;
  const float* sinks;
};

// Double-precision attention of one query row over dequantized keys and values; the
// probabilities are rounded to F16 before weighting F16 values (llama.cpp's path without
// flash attention), kept exact for quantized ones (its flash attention path).
std::vector<double> Reference(const Case& c, const float* q, const std::vector<uint8_t>& k,
                              size_t k_row, const std::vector<uint8_t>& v, size_t v_row,
                              float scale, const float* sink) {
  const std::vector<float> qd = QueryAsSeen(c.k_type, q, c.head_dim);
  std::vector<double> s(c.n_keys);
  double mx = sink != nullptr ? double(*sink) : -INFINITY;
  for (int j = 0; j < c.n_keys; ++j) {
    const std::vector<float> kd = Dequantized(c.k_type, k.data() + j * k_row, c.head_dim);
    double d = 0;
    for (int i = 0; i < c.head_dim; ++i) d += double(qd[i]) * kd[i];
    s[j] = d * scale;
    mx = std::max(mx, s[j]);
  }
  double sum = sink != nullptr ? std::exp(double(*sink) - mx) : 0.0;
  for (double& x : s) sum += (x = std::exp(x - mx));
  std::vector<double> out(c.head_dim, 0);
  for (int j = 0; j < c.n_keys; ++j) {
    double p = s[j] / sum;
    if (c.v_type == DType::kF16) p = F16ToF32(F32ToF16(float(p)));
    const std::vector<float> vd = Dequantized(c.v_type, v.data() + j * v_row, c.head_dim);
    for (int i = 0; i < c.head_dim; ++i) out[i] += p * vd[i];
  }
  return out;
}

std::vector<uint8_t> RandomRows(DType t, int n_rows, int n, std::mt19937& rng) {
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> x(size_t(n_rows) * n);
  for (float& f : x) f = nd(rng);
  std::vector<uint8_t> rows(RowBytes(t, n) * n_rows);
  for (int r = 0; r < n_rows; ++r) {
    QuantizeRow(t, x.data() + size_t(r) * n, rows.data() + r * RowBytes(t, n), n);
  }
  return rows;
}

void Check(const Case& c, std::mt19937& rng) {
  const size_t k_row = RowBytes(c.k_type, c.head_dim), v_row = RowBytes(c.v_type, c.head_dim);
  const std::vector<uint8_t> k = RandomRows(c.k_type, c.n_keys, c.head_dim, rng);
  const std::vector<uint8_t> v = RandomRows(c.v_type, c.n_keys, c.head_dim, rng);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> q(size_t(c.group) * c.head_dim);
  for (float& x : q) x = 2.0f * nd(rng);  // peaked softmax: exp over a wide range
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  // F16 values: a probability a float ulp away from an F16 rounding boundary may round the
  // other way in the kernel than in the reference (2^-11 of it); quantized values are exact.
  const double tol = c.v_type == DType::kF16 ? 2e-3 : 1e-4;
  const std::string where = std::string(DTypeName(c.k_type)) + "/" +
                            std::string(DTypeName(c.v_type)) + " d" + std::to_string(c.head_dim) +
                            " keys " + std::to_string(c.n_keys) + " group " +
                            std::to_string(c.group);
  for (const Kernel& kernel : Kernels()) {
    std::vector<float> out(size_t(c.group) * c.head_dim, NAN);
    std::vector<float> scratch(AttentionF16ScratchFloats(c.group, c.n_keys, c.head_dim));
    AttentionF16Args a;
    a.head_dim = a.head_dim_v = c.head_dim;
    a.n_rows = c.group;
    a.q = q.data();
    a.q_stride = c.head_dim;
    a.k = k.data();
    a.k_stride = int64_t(k_row);
    a.v = v.data();
    a.v_stride = int64_t(v_row);
    a.k_type = c.k_type;
    a.v_type = c.v_type;
    a.n_keys = c.n_keys;
    a.scale = scale;
    a.out = out.data();
    a.out_stride = c.head_dim;
    a.sinks = c.sinks;
    a.scratch = scratch.data();
    kernel.fn(a);
    for (int r = 0; r < c.group; ++r) {
      const std::vector<double> want = Reference(c, q.data() + r * c.head_dim, k, k_row, v, v_row,
                                                 scale, c.sinks != nullptr ? c.sinks + r : nullptr);
      for (int i = 0; i < c.head_dim; ++i) {
        ASSERT_NEAR(out[r * c.head_dim + i], want[i], tol)
            << kernel.name << " " << where << " row " << r << " dim " << i;
      }
    }
  }
}

constexpr DType kTypes[] = {DType::kF16, DType::kQ8_0, DType::kQ4_0};

TEST(AttentionKv, EveryKernelMatchesDoubleReferenceForEveryTypePair) {
  std::mt19937 rng(31);
  for (DType kt : kTypes) {
    for (DType vt : kTypes) {
      if (kt == DType::kF16 && vt == DType::kF16) continue;  // the F16 kernels' test
      for (int head_dim : {32, 64, 128}) {
        for (int group : {1, 4, 6}) {
          for (int n_keys : {1, 7, 33, 130}) Check({kt, vt, head_dim, n_keys, group, nullptr}, rng);
        }
      }
    }
  }
}

TEST(AttentionKv, SinksJoinTheSoftmaxDenominator) {
  std::mt19937 rng(32);
  const float sinks[] = {12.0f, 0.5f, -2.0f, -60.0f};
  for (DType vt : {DType::kQ8_0, DType::kQ4_0}) Check({DType::kQ8_0, vt, 64, 20, 4, sinks}, rng);
}

TEST(AttentionKv, CaptureGetsTheUnroundedProbabilities) {
  std::mt19937 rng(33);
  const int head_dim = 64, n_keys = 40;
  const std::vector<uint8_t> k = RandomRows(DType::kQ4_0, n_keys, head_dim, rng);
  const std::vector<uint8_t> v = RandomRows(DType::kF16, n_keys, head_dim, rng);
  std::vector<float> q(head_dim, 0.0f);  // equal scores: every probability is 1/n_keys
  std::vector<float> out(head_dim), cap(n_keys + 1, -1.0f),
      scratch(AttentionF16ScratchFloats(1, n_keys, head_dim));
  float* cap_rows[] = {cap.data()};
  AttentionF16Args a;
  a.head_dim = a.head_dim_v = head_dim;
  a.n_rows = 1;
  a.q = q.data();
  a.k = k.data();
  a.k_stride = int64_t(RowBytes(DType::kQ4_0, head_dim));
  a.v = v.data();
  a.v_stride = int64_t(RowBytes(DType::kF16, head_dim));
  a.k_type = DType::kQ4_0;
  a.n_keys = n_keys;
  a.out = out.data();
  a.out_stride = head_dim;
  a.capture = cap_rows;
  a.scratch = scratch.data();
  for (const Kernel& kernel : Kernels()) {
    kernel.fn(a);
    for (int j = 0; j < n_keys; ++j) EXPECT_FLOAT_EQ(cap[j], 1.0f / n_keys) << kernel.name;
    EXPECT_EQ(cap[n_keys], -1.0f) << kernel.name;
  }
}

// The SIMD AxpyRows kernels against the scalar one, several rows and strides.
TEST(AttentionKv, AxpyRowsMatchesScalarAtEveryIsa) {
  std::mt19937 rng(34);
  const int n = 96, n_rows = 3;
  for (DType t : kTypes) {
    const std::vector<uint8_t> x = RandomRows(t, 1, n, rng);
    const float coef[] = {0.5f, 99.0f, -1.25f, 99.0f, 7.0f, 99.0f};  // stride 2
    std::vector<float> want(n_rows * 100, 1.0f);
    GetAxpyRows(t, Isa::kScalar)(n, x.data(), n_rows, coef, 2, want.data(), 100);
    const std::vector<float> xd = Dequantized(t, x.data(), n);
    for (int i = 0; i < n; ++i) ASSERT_FLOAT_EQ(want[2 * 100 + i], 1.0f + 7.0f * xd[i]);
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      if (!Supports(DetectedIsa(), isa)) continue;
      std::vector<float> got(n_rows * 100, 1.0f);
      GetAxpyRows(t, isa)(n, x.data(), n_rows, coef, 2, got.data(), 100);
      EXPECT_EQ(got, want) << DTypeName(t) << " " << IsaName(isa);
    }
  }
}

}  // namespace
}  // namespace inferno::ops
