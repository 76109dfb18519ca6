#include "engine/runtime/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace inferno {
namespace {

SamplingParams Plain(float temperature) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = 1234;
  return p;
}

TEST(Sampler, GreedyIsArgmaxWithLowestIdOnTies) {
  Sampler s(Plain(0.0f), 5);
  const float logits[5] = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
  EXPECT_EQ(s.Sample(logits), 1);
}

TEST(Sampler, TopKOneIsGreedyAtAnyTemperature) {
  SamplingParams p = Plain(5.0f);
  p.top_k = 1;
  Sampler s(p, 4);
  const float logits[4] = {0.1f, 0.2f, 2.0f, 1.9f};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.Sample(logits), 2);
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDiffers) {
  std::vector<float> logits(50);
  for (int i = 0; i < 50; ++i) logits[i] = std::sin(float(i));
  auto run = [&](uint64_t seed) {
    SamplingParams p = Plain(1.0f);
    p.seed = seed;
    Sampler s(p, 50);
    std::vector<int32_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(s.Sample(logits));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(Sampler, FrequenciesMatchSoftmax) {
  const float logits[4] = {0.0f, 1.0f, 2.0f, -1.0f};
  Sampler s(Plain(1.0f), 4);
  std::map<int, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[s.Sample(logits)];
  double z = 0;
  for (float l : logits) z += std::exp(l);
  for (int t = 0; t < 4; ++t) {
    EXPECT_NEAR(counts[t] / double(n), std::exp(logits[t]) / z, 0.015) << "token " << t;
  }
}

TEST(Sampler, TopPKeepsMinimalNucleus) {
  // probs ~ {0.643, 0.237, 0.087, 0.032}: top_p 0.8 keeps the first two only.
  const float logits[4] = {3.0f, 2.0f, 1.0f, 0.0f};
  SamplingParams p = Plain(1.0f);
  p.top_p = 0.8f;
  Sampler s(p, 4);
  std::map<int, int> counts;
  for (int i = 0; i < 5000; ++i) ++counts[s.Sample(logits)];
  EXPECT_EQ(counts[2] + counts[3], 0);
  EXPECT_NEAR(counts[0] / 5000.0, 0.643 / (0.643 + 0.237), 0.03);
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  // min_p 0.2: tokens below 0.2 × p(best) go; p(2)/p(0) = e^-2 = 0.135.
  const float logits[3] = {2.0f, 1.0f, 0.0f};
  SamplingParams p = Plain(1.0f);
  p.min_p = 0.2f;
  Sampler s(p, 3);
  for (int i = 0; i < 3000; ++i) EXPECT_NE(s.Sample(logits), 2);
}

TEST(Sampler, PenaltiesChangeLogitsByExactAmounts) {
  // Token 0 leads by 0.5. Repeat penalty 2 halves its positive logit → token 1 wins.
  const float logits[3] = {2.0f, 1.5f, -1.0f};
  SamplingParams p = Plain(0.0f);
  p.repeat_penalty = 2.0f;
  Sampler s(p, 3);
  EXPECT_EQ(s.Sample(logits), 0);
  s.Accept(0);
  EXPECT_EQ(s.Sample(logits), 1);  // 2.0 / 2 = 1.0 < 1.5
  // Frequency penalty 0.3 applied twice (token 1 seen twice) plus presence 0.1: 1.5 - 0.7
  SamplingParams q = Plain(0.0f);
  q.frequency_penalty = 0.3f;
  q.presence_penalty = 0.1f;
  Sampler t(q, 3);
  t.Accept(1);
  t.Accept(1);
  const float l2[3] = {0.81f, 1.5f, -1.0f};
  EXPECT_EQ(t.Sample(l2), 0);  // 1.5 - 0.6 - 0.1 = 0.8 < 0.81
  const float l3[3] = {0.79f, 1.5f, -1.0f};
  EXPECT_EQ(t.Sample(l3), 1);
}

TEST(TopK, ProbabilitiesAreFullSoftmax) {
  const float logits[5] = {1.0f, 4.0f, 2.0f, 4.0f, 0.0f};
  std::vector<TokenProb> top;
  TopK(logits, 3, &top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 1);
  EXPECT_EQ(top[1].id, 3);
  EXPECT_EQ(top[2].id, 2);
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(top[0].prob, std::exp(4.0) / z, 1e-6);
  EXPECT_NEAR(top[2].prob, std::exp(2.0) / z, 1e-6);
}

TEST(Analyze, EntropyOfUniformIsLogN) {
  std::vector<float> logits(1000, 3.0f);
  const Distribution d = Analyze(logits);
  EXPECT_NEAR(d.entropy, std::log(1000.0), 1e-4);
  EXPECT_NEAR(d.log_sum_exp, 3.0 + std::log(1000.0), 1e-4);
}

}  // namespace
}  // namespace inferno
