#include "engine/model/blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor/fp16.h"

namespace inferno::blocks {
namespace {

TEST(RmsNorm, KnownValues) {
  const float x[4] = {1, 2, 3, 4};  // mean square 7.5
  const float w[4] = {1, 1, 2, 0.5f};
  float y[4];
  RmsNorm(x, w, y, 1, 4, 0.0f);
  const float s = 1.0f / std::sqrt(7.5f);
  EXPECT_FLOAT_EQ(y[0], 1 * s);
  EXPECT_FLOAT_EQ(y[1], 2 * s);
  EXPECT_FLOAT_EQ(y[2], 6 * s);
  EXPECT_FLOAT_EQ(y[3], 2 * s);
}

TEST(Rope, PositionZeroIsIdentityAndNormIsPreserved) {
  std::vector<float> x(2 * 8), orig;
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i) * 0.25f - 1.0f;
  orig = x;
  const int32_t pos[2] = {0, 5};
  for (bool neox : {false, true}) {
    std::vector<float> y = orig;
    Rope(y.data(), 2, 1, 8, pos, RopeParams{8, 10000.0f, 1.0f, neox, nullptr});
    for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(y[i], orig[i]);
    double n0 = 0, n1 = 0;
    for (int i = 8; i < 16; ++i) {
      n0 += orig[i] * orig[i];
      n1 += y[i] * y[i];
    }
    EXPECT_NEAR(n0, n1, 1e-4);
  }
}

TEST(Rope, FirstPairRotatesByPosition) {
  // Pair 0 has frequency 1: at position p it rotates by p radians.
  float x[4] = {1, 0, 0, 0};
  const int32_t pos[1] = {2};
  Rope(x, 1, 1, 4, pos, RopeParams{4, 10000.0f, 1.0f, /*neox=*/false, nullptr});
  EXPECT_NEAR(x[0], std::cos(2.0f), 1e-6);
  EXPECT_NEAR(x[1], std::sin(2.0f), 1e-6);
  float y[4] = {1, 0, 0, 0};  // NeoX pairs element 0 with element 2
  Rope(y, 1, 1, 4, pos, RopeParams{4, 10000.0f, 1.0f, /*neox=*/true, nullptr});
  EXPECT_NEAR(y[0], std::cos(2.0f), 1e-6);
  EXPECT_NEAR(y[2], std::sin(2.0f), 1e-6);
}

// RoPE as it was before YaRN: the plain path must stay bit-identical to it.
void PlainRope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
               const RopeParams& p) {
  const int half = p.n_rot / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  std::vector<float> cos_sin(p.n_rot);
  for (int64_t t = 0; t < n_tokens; ++t) {
    float theta = float(positions[t]);
    for (int i = 0; i < half; ++i) {
      const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
      const float angle = p.freq_scale * (theta / ff);
      cos_sin[2 * i] = std::cos(angle);
      cos_sin[2 * i + 1] = std::sin(angle);
      theta *= theta_scale;
    }
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (int i = 0; i < half; ++i) {
        const int a = p.neox ? i : 2 * i;
        const int b = p.neox ? i + half : 2 * i + 1;
        const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * c - x1 * s;
        v[b] = x0 * s + x1 * c;
      }
    }
  }
}

TEST(Rope, WithoutYarnBitIdenticalToPlainRope) {
  const int n_heads = 3, head_dim = 64, T = 6;
  const int32_t pos[T] = {0, 1, 17, 300, 4095, 131000};
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> x(T * n_heads * head_dim), ff(32);
  for (float& v : x) v = nd(rng);
  for (size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + 0.25f * float(i);
  for (bool neox : {false, true}) {
    for (const float* factors : std::vector<const float*>{nullptr, ff.data()}) {
      for (int n_rot : {64, 32}) {
        const RopeParams p{n_rot, 500000.0f, 0.125f, neox, factors};
        std::vector<float> got = x, want = x;
        Rope(got.data(), T, n_heads, head_dim, pos, p);
        PlainRope(want.data(), T, n_heads, head_dim, pos, p);
        EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
            << "neox " << neox << " factors " << (factors != nullptr) << " n_rot " << n_rot;
      }
    }
  }
}

TEST(MRope, TextPositionsAreNeoxRope) {
  // Every section at the token's position: exactly NeoX RoPE (llama.cpp's text tokens).
  const int n_heads = 2, head_dim = 16, T = 3;
  const int32_t pos[T] = {0, 5, 900};
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> x(T * n_heads * head_dim);
  for (float& v : x) v = nd(rng);
  const RopeParams p{head_dim, 10000.0f, 1.0f, /*neox=*/true};
  std::vector<float> got = x, want = x;
  std::vector<MropePosition> mp;
  for (int32_t q : pos) mp.push_back({q, q, q});
  MRope(got.data(), T, n_heads, head_dim, mp.data(), {2, 3, 3, 0}, p);
  Rope(want.data(), T, n_heads, head_dim, pos, p);
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0);
}

TEST(MRope, EachPairTurnsByItsSectionsPosition) {
  // 8 pairs, sections 2, 3, 3: pairs 0-1 by t, 2-4 by h, 5-7 by w, each at its own frequency.
  const int head_dim = 16;
  const RopeParams p{head_dim, 10000.0f, 1.0f, /*neox=*/true};
  const MropePosition at{3, 7, 11};
  for (int pair = 0; pair < 8; ++pair) {
    std::vector<float> x(head_dim, 0.0f);
    x[size_t(pair)] = 1.0f;  // (1, 0) in this pair, turned to (cos, sin)
    MRope(x.data(), 1, 1, head_dim, &at, {2, 3, 3, 0}, p);
    const int position = pair < 2 ? at.t : pair < 5 ? at.h : at.w;
    const double angle = position * std::pow(10000.0, -2.0 * pair / head_dim);
    EXPECT_NEAR(x[size_t(pair)], std::cos(angle), 1e-4) << "pair " << pair;
    EXPECT_NEAR(x[size_t(pair + 8)], std::sin(angle), 1e-4) << "pair " << pair;
  }
}

TEST(Rope, YarnCorrDimsKnownValues) {
  // 64 dims, base 10000, 512 positions: beta 32 -> pair 3.25 (floor 3), beta 1 -> 15.3 (ceil 16).
  float dims[2];
  RopeYarnCorrDims(64, 512, 10000.0f, 32.0f, 1.0f, dims);
  EXPECT_EQ(dims[0], 3.0f);
  EXPECT_EQ(dims[1], 16.0f);
  // Clamped to [0, n_rot - 1].
  RopeYarnCorrDims(16, 100000000, 10.0f, 0.5f, 0.1f, dims);
  EXPECT_EQ(dims[1], 15.0f);
  RopeYarnCorrDims(64, 8, 10000.0f, 32.0f, 1.0f, dims);
  EXPECT_EQ(dims[0], 0.0f);
}

// YaRN written out plainly in double precision (angles by pow, not iterated): the kernel
// must agree up to the float rounding of its iterated angles.
std::vector<double> ReferenceYarn(const std::vector<float>& x, int n_heads, int head_dim,
                                  int32_t pos, const RopeParams& p) {
  auto corr_dim = [&](double beta) {
    return p.n_rot * std::log(p.n_ctx_orig / (beta * 2 * M_PI)) / (2 * std::log(p.freq_base));
  };
  const double lo = std::max(0.0, std::floor(corr_dim(p.beta_fast)));
  const double hi = std::min(double(p.n_rot - 1), std::ceil(corr_dim(p.beta_slow)));
  const double mscale = double(p.attn_factor) * (1 + 0.1 * std::log(1.0 / p.freq_scale));
  std::vector<double> out(x.begin(), x.end());
  const int half = p.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    for (int i = 0; i < half; ++i) {
      const double ff = p.freq_factors ? p.freq_factors[i] : 1.0;
      const double extrap = pos * std::pow(double(p.freq_base), -2.0 * i / p.n_rot) / ff;
      const double interp = p.freq_scale * extrap;
      const double ramp = 1 - std::clamp((i - lo) / std::max(0.001, hi - lo), 0.0, 1.0);
      const double mix = ramp * p.ext_factor;
      const double angle = interp * (1 - mix) + extrap * mix;
      const int a = h * head_dim + (p.neox ? i : 2 * i);
      const int b = h * head_dim + (p.neox ? i + half : 2 * i + 1);
      const double x0 = x[a], x1 = x[b];
      out[a] = (x0 * std::cos(angle) - x1 * std::sin(angle)) * mscale;
      out[b] = (x0 * std::sin(angle) + x1 * std::cos(angle)) * mscale;
    }
  }
  return out;
}

TEST(Rope, YarnMatchesDoubleReference) {
  const int n_heads = 2, head_dim = 64;
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> ff(32);
  for (size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + 0.1f * float(i);
  for (bool neox : {false, true}) {
    for (int n_rot : {64, 32}) {
      for (const float* factors : std::vector<const float*>{nullptr, ff.data()}) {
        RopeParams p{n_rot, 10000.0f, 0.25f, neox, factors};
        p.ext_factor = 1.0f;
        p.attn_factor = 0.9f;
        p.n_ctx_orig = 512;
        for (int32_t pos : {0, 1, 5, 100, 511, 2047}) {
          std::vector<float> x(n_heads * head_dim);
          for (float& v : x) v = nd(rng);
          const std::vector<double> want = ReferenceYarn(x, n_heads, head_dim, pos, p);
          Rope(x.data(), 1, n_heads, head_dim, &pos, p);
          // Iterated float angles drift by ~1e-7 relative per pair: absolute error grows with
          // the position.
          const double tol = 2e-6 * (1 + pos);
          for (size_t i = 0; i < x.size(); ++i) {
            ASSERT_NEAR(x[i], want[i], tol)
                << "neox " << neox << " n_rot " << n_rot << " pos " << pos << " factors "
                << (factors != nullptr) << " i " << i;
          }
        }
      }
    }
  }
}

TEST(Rope, YarnKeepsFastPairsAndInterpolatesSlowOnes) {
  // n_rot 64, orig 512: pairs 0..3 extrapolate (rotate by the unscaled angle), pairs >= 16
  // interpolate (angle * freq_scale); both scaled by 1 + 0.1 ln 4.
  RopeParams p{64, 10000.0f, 0.25f, /*neox=*/false, nullptr};
  p.ext_factor = 1.0f;
  p.n_ctx_orig = 512;
  const int32_t pos = 3;
  std::vector<float> x(64, 0.0f);
  for (int i = 0; i < 32; ++i) x[2 * i] = 1.0f;
  Rope(x.data(), 1, 1, 64, &pos, p);
  const float m = 1.0f + 0.1f * std::log(4.0f);
  EXPECT_NEAR(x[0], m * std::cos(3.0f), 1e-5);
  EXPECT_NEAR(x[1], m * std::sin(3.0f), 1e-5);
  const double theta20 = 3.0 * std::pow(10000.0, -40.0 / 64);
  EXPECT_NEAR(x[40], m * std::cos(0.25 * theta20), 1e-5);
  EXPECT_NEAR(x[41], m * std::sin(0.25 * theta20), 1e-5);
}

// Double-precision softmax weights of query head h of token t over the positions it sees
// (lo..t, lo from the window; lo..last_key when the attention is not causal), with GQA.
std::vector<double> ReferenceWeights(const AttentionParams& p, const std::vector<float>& q,
                                     const std::vector<float>& k, int t, int h, int last_key = -1) {
  const int kd = p.n_head_kv * p.head_dim;
  const int g = h / (p.n_head / p.n_head_kv);
  const int lo = p.window ? std::max(0, t - p.window + 1) : 0;
  std::vector<double> s;
  double mx = -1e30, sum = 0;
  for (int j = lo; j <= (p.causal ? t : last_key); ++j) {
    double d = 0;
    for (int i = 0; i < p.head_dim; ++i) {
      d += double(q[(t * p.n_head + h) * p.head_dim + i]) * k[j * kd + g * p.head_dim + i];
    }
    s.push_back(d * p.kq_scale);
    mx = std::max(mx, s.back());
  }
  // A learned sink (gpt-oss) is one more softmax term without a value.
  if (p.sinks != nullptr) mx = std::max(mx, double(p.sinks[h]));
  for (double& x : s) sum += (x = std::exp(x - mx));
  if (p.sinks != nullptr) sum += std::exp(p.sinks[h] - mx);
  for (double& x : s) x /= sum;
  return s;
}

// The shape of a one-layer model's attention, for sizing KV caches.
ModelConfig OneLayer(int n_head, int n_head_kv, int head_dim) {
  ModelConfig c;
  c.n_layer = 1;
  c.n_head = n_head;
  c.n_head_kv = n_head_kv;
  c.head_dim = head_dim;
  c.head_dim_v = head_dim;
  return c;
}

// Per-head sink logits for the tests: above, near and far below the scores.
constexpr float kSinks[4] = {2.5f, -0.5f, 0.75f, -30.0f};

// Plain float reference of causal (optionally windowed) or bidirectional attention with GQA.
std::vector<float> ReferenceAttention(const AttentionParams& p, const std::vector<float>& q,
                                      const std::vector<float>& k, const std::vector<float>& v,
                                      int n_tokens) {
  const int vd = p.n_head_kv * p.head_dim_v;
  std::vector<float> out(size_t(n_tokens) * p.n_head * p.head_dim_v, 0.0f);
  for (int t = 0; t < n_tokens; ++t) {
    for (int h = 0; h < p.n_head; ++h) {
      const int g = h / (p.n_head / p.n_head_kv);
      const int lo = p.window ? std::max(0, t - p.window + 1) : 0;
      const std::vector<double> w = ReferenceWeights(p, q, k, t, h, n_tokens - 1);
      for (int j = lo; j <= (p.causal ? t : n_tokens - 1); ++j) {
        for (int i = 0; i < p.head_dim_v; ++i) {
          out[(t * p.n_head + h) * p.head_dim_v + i] +=
              float(w[j - lo]) * v[j * vd + g * p.head_dim_v + i];
        }
      }
    }
  }
  return out;
}

TEST(Attention, MatchesFloatReferenceWithGqaAndWindow) {
  const ModelConfig c = OneLayer(4, 2, 16);
  const int T = 9;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> q(T * 4 * 16), k(T * 2 * 16), v(T * 2 * 16);
  for (auto* vec : {&q, &k, &v}) {
    for (float& x : *vec) x = nd(rng);
  }
  std::vector<int32_t> pos(T);
  for (int i = 0; i < T; ++i) pos[i] = i;
  ThreadPool pool(2);
  for (int variant = 0; variant < 4; ++variant) {
    const int window = variant % 2 == 0 ? 0 : 4;
    KvCache cache(c, 16);
    AttentionParams p{4, 2, 16, 16, 0.25f, window};
    if (variant >= 2) p.sinks = kSinks;
    std::vector<float> out(T * 4 * 16);
    AttentionScratch scratch;
    // Prompt in two batches: 5 tokens, then 4 more seeing the cached 5.
    const std::vector<KvCache*> caches(T, &cache);
    Attention(pool, p, q.data(), k.data(), v.data(), 5, pos.data(), caches.data(), 0, out.data(),
              scratch);
    Attention(pool, p, q.data() + 5 * 64, k.data() + 5 * 32, v.data() + 5 * 32, 4, pos.data() + 5,
              caches.data(), 0, out.data() + 5 * 64, scratch);
    const std::vector<float> want = ReferenceAttention(p, q, k, v, T);
    for (size_t i = 0; i < want.size(); ++i) {
      // F16 keys, values and probabilities: ~1e-3 relative.
      EXPECT_NEAR(out[i], want[i], 5e-3) << "variant " << variant << " index " << i;
    }
  }
}

// Normal random queries, keys and values of T tokens, and their positions 0..T-1.
struct RandomQkv {
  std::vector<float> q, k, v;
  std::vector<int32_t> pos;
  RandomQkv(int T, int q_dim, int kv_dim, uint32_t seed)
      : q(size_t(T) * q_dim), k(size_t(T) * kv_dim), v(size_t(T) * kv_dim), pos(T) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0, 1);
    for (auto* vec : {&q, &k, &v}) {
      for (float& x : *vec) x = nd(rng);
    }
    for (int i = 0; i < T; ++i) pos[i] = i;
  }
};

// A decode step of a model with one KV head on more threads than KV heads: the four query
// heads are split over the threads, and the capture (with a head map that skips a head)
// still records each head's weights in its slot.
TEST(Attention, DecodeStepSplitsGroupsAndCapturesWeights) {
  const ModelConfig c = OneLayer(4, 1, 32);
  const int T = 40;
  const RandomQkv d(T, 4 * 32, 32, 9);
  const std::vector<float>&q = d.q, &k = d.k, &v = d.v;
  const std::vector<int32_t>& pos = d.pos;
  for (int variant = 0; variant < 4; ++variant) {
    const int window = variant % 2 == 0 ? 0 : 16;
    KvCache cache(c, 64);
    AttentionParams p{4, 1, 32, 32, 0.2f, window};
    // Split groups: each work item must take the sinks of its own heads.
    if (variant >= 2) p.sinks = kSinks;
    std::vector<float> out(T * 4 * 32);
    AttentionScratch scratch;
    const std::vector<KvCache*> caches(T, &cache);
    ThreadPool prompt_pool(1);
    Attention(prompt_pool, p, q.data(), k.data(), v.data(), T - 1, pos.data(), caches.data(), 0,
              out.data(), scratch);
    // The last token alone, as a decode step, with the probe on.
    ThreadPool pool(4);
    const int last = T - 1;
    const int head_slot[4] = {2, -1, 0, 1};  // head 1 not captured
    std::vector<float> rows(3 * T, -7.0f);
    AttentionCaptureRow cap{rows.data(), head_slot, T};
    Attention(pool, p, q.data() + last * 128, k.data() + last * 32, v.data() + last * 32, 1,
              pos.data() + last, caches.data(), 0, out.data() + last * 128, scratch, &cap);
    const std::vector<float> want = ReferenceAttention(p, q, k, v, T);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(out[i], want[i], 5e-3) << "window " << window << " index " << i;
    }
    const int lo = window ? T - window : 0;
    for (int h = 0; h < 4; ++h) {
      if (head_slot[h] < 0) continue;
      const std::vector<double> w = ReferenceWeights(p, q, k, last, h);
      const float* row = rows.data() + head_slot[h] * T;
      for (int j = 0; j < T; ++j) {
        // F16 keys: ~1e-3 relative; positions outside the window are left as they were.
        if (j < lo) {
          EXPECT_EQ(row[j], -7.0f) << "window " << window << " head " << h << " pos " << j;
        } else {
          EXPECT_NEAR(row[j], w[j - lo], 2e-3 * w[j - lo] + 1e-6)
              << "window " << window << " head " << h << " pos " << j;
        }
      }
    }
  }
}

// The one-pass kernel (online_min_keys 0 forces it): a prompt in two batches, then decode
// steps on four threads, where the single KV head's keys are split across the threads and
// the parts combined; with windows and sinks, and with quantized caches, whose bounds are
// those of their rounding against a float reference (8 and 4 bits per element).
TEST(Attention, OnePassSplitKeysMatchesFloatReference) {
  const ModelConfig c = OneLayer(4, 1, 32);
  const int T = 700;  // the decode steps' 600+ keys make more than one unit per thread
  const RandomQkv d(T, 4 * 32, 32, 17);
  const std::vector<float>&q = d.q, &k = d.k, &v = d.v;
  const std::vector<int32_t>& pos = d.pos;
  const std::pair<KvCacheTypes, float> caches_and_tolerance[] = {
      {{}, 5e-3f}, {{DType::kQ8_0, DType::kQ8_0}, 3e-2f}, {{DType::kQ4_0, DType::kQ4_0}, 3e-1f}};
  for (const auto& [types, tol] : caches_and_tolerance) {
    for (int variant = 0; variant < 4; ++variant) {
      const int window = variant % 2 == 0 ? 0 : 300;
      KvCache cache(c, T, types);
      AttentionParams p{4, 1, 32, 32, 0.2f, window};
      p.online_min_keys = 0;
      if (variant >= 2) p.sinks = kSinks;
      std::vector<float> out(T * 4 * 32);
      AttentionScratch scratch;
      const std::vector<KvCache*> caches(T, &cache);
      ThreadPool prompt_pool(2);
      const int prompt = T - 8;
      Attention(prompt_pool, p, q.data(), k.data(), v.data(), prompt / 2, pos.data(), caches.data(),
                0, out.data(), scratch);
      const int64_t rest = prompt - prompt / 2;
      Attention(prompt_pool, p, q.data() + prompt / 2 * 128, k.data() + prompt / 2 * 32,
                v.data() + prompt / 2 * 32, rest, pos.data() + prompt / 2, caches.data(), 0,
                out.data() + prompt / 2 * 128, scratch);
      ThreadPool pool(4);
      for (int t = prompt; t < T; ++t) {
        Attention(pool, p, q.data() + t * 128, k.data() + t * 32, v.data() + t * 32, 1,
                  pos.data() + t, caches.data(), 0, out.data() + t * 128, scratch);
      }
      const std::vector<float> want = ReferenceAttention(p, q, k, v, T);
      double worst = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        worst = std::max(worst, double(std::abs(out[i] - want[i])));
      }
      EXPECT_LE(worst, tol) << "K " << int(types.k) << " window " << window << " variant "
                            << variant;
    }
  }
}

// BERT: every token sees its whole sequence, also the positions after it. Two sequences in one
// batch, each in its own cache, must not see each other.
TEST(Attention, BidirectionalSeesTheWholeSequenceOfItsOwnCache) {
  const ModelConfig c = OneLayer(2, 2, 16);
  const int T = 6;  // sequence A: tokens 0..3, sequence B: tokens 4..5
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> q(T * 32), k(T * 32), v(T * 32);
  for (auto* vec : {&q, &k, &v}) {
    for (float& x : *vec) x = nd(rng);
  }
  const std::vector<int32_t> pos = {0, 1, 2, 3, 0, 1};
  KvCache a(c, 8), b(c, 8);
  const std::vector<KvCache*> caches = {&a, &a, &a, &a, &b, &b};
  AttentionParams p{2, 2, 16, 16, 0.25f};
  p.causal = false;
  std::vector<float> out(T * 32);
  AttentionScratch scratch;
  ThreadPool pool(2);
  Attention(pool, p, q.data(), k.data(), v.data(), T, pos.data(), caches.data(), 0, out.data(),
            scratch);
  auto slice = [](const std::vector<float>& x, int first, int n) {
    return std::vector<float>(x.begin() + first * 32, x.begin() + (first + n) * 32);
  };
  const std::vector<float> want_a =
      ReferenceAttention(p, slice(q, 0, 4), slice(k, 0, 4), slice(v, 0, 4), 4);
  const std::vector<float> want_b =
      ReferenceAttention(p, slice(q, 4, 2), slice(k, 4, 2), slice(v, 4, 2), 2);
  for (size_t i = 0; i < want_a.size(); ++i) EXPECT_NEAR(out[i], want_a[i], 5e-3) << i;
  for (size_t i = 0; i < want_b.size(); ++i) EXPECT_NEAR(out[4 * 32 + i], want_b[i], 5e-3) << i;
}

TEST(LayerNorm, KnownValues) {
  const float x[4] = {1, 2, 3, 6};  // mean 3, variance 3.5
  const float w[4] = {1, 2, 1, 1}, b[4] = {0, 0, 1, -1};
  float y[4];
  LayerNorm(x, w, b, y, 1, 4, 0.0f);
  const float s = 1.0f / std::sqrt(3.5f);
  EXPECT_FLOAT_EQ(y[0], -2 * s);
  EXPECT_FLOAT_EQ(y[1], -2 * s);
  EXPECT_FLOAT_EQ(y[2], 1.0f);
  EXPECT_FLOAT_EQ(y[3], 3 * s - 1);
}

TEST(Glu, SwiGluAndGeGluValues) {
  const float g[3] = {-1.0f, 0.0f, 2.0f}, u[3] = {2.0f, 5.0f, 0.5f};
  float y[3];
  SwiGlu(g, u, y, 3);
  EXPECT_NEAR(y[0], -1.0f / (1 + std::exp(1.0f)) * 2, 1e-6);
  EXPECT_FLOAT_EQ(y[1], 0.0f);
  EXPECT_NEAR(y[2], 2.0f / (1 + std::exp(-2.0f)) * 0.5f, 1e-6);
  GeGlu(g, u, y, 3);
  // gelu(-1) = -0.158808, gelu(2) = 1.954597 (tanh form), F16-rounded.
  EXPECT_NEAR(y[0], -0.158808f * 2, 2e-3);
  EXPECT_NEAR(y[2], 1.954597f * 0.5f, 2e-3);
  float x[3] = {-1.0f, 0.0f, 12.0f};
  Gelu(x, 3);
  EXPECT_NEAR(x[0], -0.158808f, 1e-3);
  EXPECT_FLOAT_EQ(x[1], 0.0f);
  EXPECT_FLOAT_EQ(x[2], 12.0f);  // saturated: x itself
}

}  // namespace
}  // namespace inferno::blocks
