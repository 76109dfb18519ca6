#include "engine/ops/attention_f16.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/fp16.h"

namespace inferno::ops {
namespace {

const uint8_t* Bytes(const uint16_t* p) { return reinterpret_cast<const uint8_t*>(p); }

struct Kernel {
  const char* name;
  AttentionF16Fn fn;
};

std::vector<Kernel> Kernels() {
  std::vector<Kernel> ks = {{"scalar", AttentionF16Scalar}};
  if (Supports(DetectedIsa(), Isa::kAvx2)) ks.push_back({"avx2", AttentionF16Avx2});
  if (Supports(DetectedIsa(), Isa::kAvx512)) ks.push_back({"avx512", AttentionF16Avx512});
  return ks;
}

// Double-precision attention of one query row over keys [lo, hi] of an F16 cache, with the
// same two roundings as the kernels (query to F16 before K·Q, probabilities to F16 before
// weighting V). Fills the unrounded probabilities into `probs`. A sink logit, when given,
// is one more term of the softmax (in its max and its denominator) with no value row.
std::vector<double> Reference(const float* q, const uint16_t* k, int64_t k_stride,
                              const uint16_t* v, int64_t v_stride, int head_dim, int head_dim_v,
                              int n_keys, double scale, std::vector<double>& probs,
                              const float* sink = nullptr) {
  std::vector<double> s(n_keys);
  double mx = -INFINITY;
  for (int j = 0; j < n_keys; ++j) {
    double d = 0;
    for (int i = 0; i < head_dim; ++i) {
      d += double(F16ToF32(F32ToF16(q[i]))) * F16ToF32(k[j * k_stride + i]);
    }
    s[j] = d * scale;
    mx = std::max(mx, s[j]);
  }
  if (sink != nullptr) mx = std::max(mx, double(*sink));
  double sum = 0;
  for (double& x : s) sum += (x = std::exp(x - mx));
  if (sink != nullptr) sum += std::exp(double(*sink) - mx);
  probs.assign(n_keys, 0);
  std::vector<double> out(head_dim_v, 0);
  for (int j = 0; j < n_keys; ++j) {
    probs[j] = s[j] / sum;
    const double p16 = F16ToF32(F32ToF16(float(probs[j])));
    for (int i = 0; i < head_dim_v; ++i) out[i] += p16 * F16ToF32(v[j * v_stride + i]);
  }
  return out;
}

// A KV cache of one layer with n_kv heads, queries of `group` heads per KV head; every
// position attends to its causal (optionally windowed) range, the way blocks::Attention
// slices the cache for the kernel.
TEST(AttentionF16, EveryKernelMatchesDoubleReference) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0, 1);
  const int n_ctx = 301, n_kv = 2;
  for (int head_dim : {64, 128, 40}) {
    const int head_dim_v = head_dim;
    const int k_dim = n_kv * head_dim;
    std::vector<uint16_t> k(size_t(n_ctx) * k_dim), v(size_t(n_ctx) * k_dim);
    for (auto& x : k) x = F32ToF16(nd(rng));
    for (auto& x : v) x = F32ToF16(nd(rng));
    for (int group : {1, 2, 4, 6, 8}) {
      std::vector<float> q(size_t(group) * head_dim);
      // Larger scores than 1/sqrt(d) would give make the softmax peaked and exercise exp over
      // a wide range.
      for (float& x : q) x = 2.0f * nd(rng);
      const float scale = 1.0f / std::sqrt(float(head_dim));
      for (int window : {0, 7}) {
        for (int pos : {0, 1, 5, 15, 16, 17, 33, 100, 255, 300}) {
          const int lo = window > 0 ? std::max(0, pos - window + 1) : 0;
          const int n_keys = pos - lo + 1;
          const int kv_head = pos % n_kv;
          std::vector<std::vector<double>> want(group), want_p(group);
          for (int r = 0; r < group; ++r) {
            want[r] = Reference(q.data() + r * head_dim,
                                k.data() + size_t(lo) * k_dim + kv_head * head_dim, k_dim,
                                v.data() + size_t(lo) * k_dim + kv_head * head_dim, k_dim, head_dim,
                                head_dim_v, n_keys, scale, want_p[r]);
          }
          for (bool capture : {false, true}) {
            for (const Kernel& kernel : Kernels()) {
              const std::string where = std::string(kernel.name) + " head_dim " +
                                        std::to_string(head_dim) + " group " +
                                        std::to_string(group) + " window " +
                                        std::to_string(window) + " pos " + std::to_string(pos);
              std::vector<float> out(size_t(group) * head_dim_v, NAN);
              // Capture buffers one longer than needed: the kernel must not write past n_keys.
              std::vector<std::vector<float>> cap(group, std::vector<float>(n_keys + 1, -1.0f));
              std::vector<float*> cap_ptr(group);
              for (int r = 0; r < group; ++r) cap_ptr[r] = cap[r].data();
              std::vector<float> scratch(AttentionF16ScratchFloats(group, n_keys, head_dim));
              AttentionF16Args a;
              a.head_dim = head_dim;
              a.head_dim_v = head_dim_v;
              a.n_rows = group;
              a.q = q.data();
              a.q_stride = head_dim;
              a.k = Bytes(k.data() + size_t(lo) * k_dim + kv_head * head_dim);
              a.k_stride = k_dim * 2;
              a.v = Bytes(v.data() + size_t(lo) * k_dim + kv_head * head_dim);
              a.v_stride = k_dim * 2;
              a.n_keys = n_keys;
              a.scale = scale;
              a.out = out.data();
              a.out_stride = head_dim_v;
              a.capture = capture ? cap_ptr.data() : nullptr;
              a.scratch = scratch.data();
              kernel.fn(a);
              for (int r = 0; r < group; ++r) {
                for (int i = 0; i < head_dim_v; ++i) {
                  ASSERT_NEAR(out[r * head_dim_v + i], want[r][i], 1e-4)
                      << where << " row " << r << " dim " << i;
                }
                for (int j = 0; j < n_keys; ++j) {
                  const double expect = capture ? want_p[r][j] : -1.0;
                  ASSERT_NEAR(cap[r][j], expect, 1e-7 + 2e-5 * std::abs(expect))
                      << where << " row " << r << " key " << j;
                }
                ASSERT_EQ(cap[r][n_keys], -1.0f) << where;
              }
            }
          }
        }
      }
    }
  }
}

// Learned sinks (gpt-oss): one logit per query row joins the softmax. Sinks above every
// score (the max comes from the sink), below them, and far below (no effect) are covered.
TEST(AttentionF16, SinksJoinTheSoftmaxDenominator) {
  std::mt19937 rng(12);
  std::normal_distribution<float> nd(0, 1);
  const int n_ctx = 70;
  for (int head_dim : {64, 40}) {
    std::vector<uint16_t> k(size_t(n_ctx) * head_dim), v(size_t(n_ctx) * head_dim);
    for (auto& x : k) x = F32ToF16(nd(rng));
    for (auto& x : v) x = F32ToF16(nd(rng));
    for (int group : {1, 3, 8}) {
      std::vector<float> q(size_t(group) * head_dim);
      for (float& x : q) x = 2.0f * nd(rng);
      std::vector<float> sinks(group);
      const float levels[] = {12.0f, 0.5f, -2.0f, -60.0f};
      for (int r = 0; r < group; ++r) sinks[r] = levels[r % 4];
      const float scale = 1.0f / std::sqrt(float(head_dim));
      for (int n_keys : {1, 9, 16, 70}) {
        std::vector<std::vector<double>> want(group), want_p(group);
        for (int r = 0; r < group; ++r) {
          want[r] = Reference(q.data() + r * head_dim, k.data(), head_dim, v.data(), head_dim,
                              head_dim, head_dim, n_keys, scale, want_p[r], &sinks[r]);
        }
        for (const Kernel& kernel : Kernels()) {
          const std::string where = std::string(kernel.name) + " head_dim " +
                                    std::to_string(head_dim) + " group " + std::to_string(group) +
                                    " keys " + std::to_string(n_keys);
          std::vector<float> out(size_t(group) * head_dim, NAN);
          std::vector<std::vector<float>> cap(group, std::vector<float>(n_keys));
          std::vector<float*> cap_ptr(group);
          for (int r = 0; r < group; ++r) cap_ptr[r] = cap[r].data();
          std::vector<float> scratch(AttentionF16ScratchFloats(group, n_keys, head_dim));
          AttentionF16Args a;
          a.head_dim = a.head_dim_v = head_dim;
          a.n_rows = group;
          a.q = q.data();
          a.q_stride = head_dim;
          a.k = Bytes(k.data());
          a.k_stride = head_dim * 2;
          a.v = Bytes(v.data());
          a.v_stride = head_dim * 2;
          a.n_keys = n_keys;
          a.scale = scale;
          a.out = out.data();
          a.out_stride = head_dim;
          a.capture = cap_ptr.data();
          a.sinks = sinks.data();
          a.scratch = scratch.data();
          kernel.fn(a);
          for (int r = 0; r < group; ++r) {
            double total = 0;
            for (int j = 0; j < n_keys; ++j) {
              ASSERT_NEAR(cap[r][j], want_p[r][j], 1e-7 + 2e-5 * want_p[r][j])
                  << where << " row " << r << " key " << j;
              total += cap[r][j];
            }
            // The sink takes its share: the weights sum to 1 - p(sink).
            if (sinks[r] > 0) {
              EXPECT_LT(total, 0.999) << where << " row " << r;
            }
            for (int i = 0; i < head_dim; ++i) {
              ASSERT_NEAR(out[r * head_dim + i], want[r][i], 1e-4)
                  << where << " row " << r << " dim " << i;
            }
          }
        }
      }
    }
  }
}

TEST(AttentionF16, VectorExpMatchesStdExp) {
  std::vector<void (*)(const float*, float*, int64_t)> fns;
  if (Supports(DetectedIsa(), Isa::kAvx2)) fns.push_back(ExpNonPositiveAvx2);
  if (Supports(DetectedIsa(), Isa::kAvx512)) fns.push_back(ExpNonPositiveAvx512);
  if (fns.empty()) GTEST_SKIP() << "no SIMD exp on this CPU";
  // Every float in [-1, 0] at a fine step, then a sweep of [-104, -1] and the special values.
  std::vector<float> x;
  for (int i = 0; i <= 1 << 20; ++i) x.push_back(-float(i) / float(1 << 20));
  for (int i = 0; i <= 1 << 20; ++i) x.push_back(-1.0f - 103.0f * float(i) / float(1 << 20));
  x.push_back(-0.0f);
  x.push_back(-INFINITY);
  x.push_back(-1e30f);
  x.push_back(std::nextafter(-87.33f, 0.0f));
  std::vector<float> y(x.size());
  for (auto fn : fns) {
    fn(x.data(), y.data(), int64_t(x.size()));
    double worst_ulps = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::exp(double(x[i]));
      if (want < 1.2e-38) {
        // Under FLT_MIN the kernels flush to zero.
        ASSERT_LE(std::abs(y[i] - want), 1.2e-38) << "x " << x[i];
        continue;
      }
      const float wf = float(want);
      const double ulp = std::nextafter(wf, INFINITY) - wf;
      worst_ulps = std::max(worst_ulps, std::abs(y[i] - want) / ulp);
      ASSERT_LE(std::abs(y[i] - want), 2 * ulp) << "x " << x[i] << " got " << y[i];
    }
    EXPECT_LE(worst_ulps, 2.0);
    std::printf("vector exp: worst error %.3f ulp\n", worst_ulps);
  }
}

}  // namespace
}  // namespace inferno::ops
