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
  SamplingParams p = Plain(0.0f);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.25f;
  p.presence_penalty = 0.5f;
  Sampler s(p, 5);
  for (int32_t t : {1, 1, 1, 3}) s.Accept(t);
  std::vector<float> l = {1.0f, 3.0f, 0.7f, -1.5f, 2.0f};
  s.Penalize(l);
  EXPECT_FLOAT_EQ(l[0], 1.0f);                         // never seen
  EXPECT_FLOAT_EQ(l[1], 3.0f / 2 - 3 * 0.25f - 0.5f);  // positive: divided; seen 3 times
  EXPECT_FLOAT_EQ(l[2], 0.7f);
  EXPECT_FLOAT_EQ(l[3], -1.5f * 2 - 0.25f - 0.5f);  // negative: multiplied
  EXPECT_FLOAT_EQ(l[4], 2.0f);
}

TEST(Sampler, PenaltiesOnlyLookAtTheLastWindow) {
  SamplingParams p = Plain(0.0f);
  p.repeat_penalty = 4.0f;
  p.repeat_last_n = 2;
  Sampler s(p, 3);
  for (int32_t t : {0, 1, 2}) s.Accept(t);  // token 0 has left the window
  std::vector<float> l = {2.0f, 2.0f, 2.0f};
  s.Penalize(l);
  EXPECT_EQ(l, (std::vector<float>{2.0f, 0.5f, 0.5f}));
  // The penalised logits decide the greedy pick: token 0 wins although all tie raw.
  const float raw[3] = {2.0f, 2.0f, 2.0f};
  EXPECT_EQ(s.Sample(raw), 0);
  s.Reset();
  EXPECT_EQ(s.Sample(raw), 0);  // lowest id on ties, history gone
}

TEST(Sampler, PenaltiesDecideBetweenCloseTokens) {
  // Frequency 0.3 twice plus presence 0.1 takes exactly 0.7 from token 1: 1.5 -> 0.8.
  SamplingParams q = Plain(0.0f);
  q.frequency_penalty = 0.3f;
  q.presence_penalty = 0.1f;
  Sampler t(q, 3);
  t.Accept(1);
  t.Accept(1);
  const float l2[3] = {0.81f, 1.5f, -1.0f};
  EXPECT_EQ(t.Sample(l2), 0);
  const float l3[3] = {0.79f, 1.5f, -1.0f};
  EXPECT_EQ(t.Sample(l3), 1);
}

TEST(Sampler, ResetReplaysTheSameDraws) {
  std::vector<float> logits(16);
  for (int i = 0; i < 16; ++i) logits[i] = 0.1f * float(i % 5);
  Sampler s(Plain(1.0f), 16);
  std::vector<int32_t> a, b;
  for (int i = 0; i < 30; ++i) a.push_back(s.Sample(logits));
  s.Reset();
  for (int i = 0; i < 30; ++i) b.push_back(s.Sample(logits));
  EXPECT_EQ(a, b);
}

TEST(Sampler, TopPBoundaryIsInclusive) {
  // softmax(3,2,1,0) = 0.6439, 0.2369, 0.0871, 0.0321; the first two sum to 0.8808.
  const float logits[4] = {3.0f, 2.0f, 1.0f, 0.0f};
  auto seen = [&](float top_p) {
    SamplingParams p = Plain(1.0f);
    p.top_p = top_p;
    Sampler s(p, 4);
    std::vector<int> c(4);
    for (int i = 0; i < 4000; ++i) ++c[s.Sample(logits)];
    return c;
  };
  std::vector<int> c = seen(0.88f);
  EXPECT_EQ(c[2] + c[3], 0);
  c = seen(0.89f);
  EXPECT_GT(c[2], 0);
  EXPECT_EQ(c[3], 0);
  EXPECT_NEAR(c[2] / 4000.0, 0.0871 / (0.6439 + 0.2369 + 0.0871), 0.02);
}

TEST(Sampler, MinPKeepsOnlyTokensNearTheBest) {
  // p(1)/p(0) = e^-1 = 0.368: min_p 0.37 leaves token 0 alone, 0.36 keeps token 1 too.
  const float logits[3] = {2.0f, 1.0f, 0.0f};
  SamplingParams p = Plain(1.0f);
  p.min_p = 0.37f;
  Sampler only(p, 3);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(only.Sample(logits), 0);
  p.min_p = 0.36f;
  Sampler two(p, 3);
  int ones = 0;
  for (int i = 0; i < 2000; ++i) ones += two.Sample(logits) == 1;
  EXPECT_NEAR(ones / 2000.0, 1 / (1 + std::exp(1.0)), 0.03);
}

TEST(Sampler, NaNLogitsAreNeverPicked) {
  const float logits[3] = {NAN, 1.0f, 0.5f};
  Sampler greedy(Plain(0.0f), 3);
  EXPECT_EQ(greedy.Sample(logits), 1);
  Sampler s(Plain(1.0f), 3);
  for (int i = 0; i < 200; ++i) EXPECT_NE(s.Sample(logits), 0);
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

TEST(TopK, KLargerThanVocabReturnsAllSorted) {
  const float logits[3] = {0.0f, -1.0f, 1.0f};
  std::vector<TokenProb> top;
  TopK(logits, 10, &top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 2);
  EXPECT_EQ(top[2].id, 1);
  EXPECT_NEAR(top[0].prob + top[1].prob + top[2].prob, 1.0, 1e-6);
  TopK(logits, 0, &top);
  EXPECT_TRUE(top.empty());
}

TEST(Analyze, TwoTokenDistribution) {
  // p = (1/(1+e), e/(1+e)); H = -sum p ln p.
  const float logits[2] = {0.0f, 1.0f};
  const Distribution d = Analyze(logits);
  const double p1 = std::exp(1.0) / (1 + std::exp(1.0)), p0 = 1 - p1;
  EXPECT_FLOAT_EQ(d.max_logit, 1.0f);
  EXPECT_NEAR(d.log_sum_exp, std::log(1 + std::exp(1.0)), 1e-6);
  EXPECT_NEAR(d.entropy, -(p0 * std::log(p0) + p1 * std::log(p1)), 1e-6);
}

TEST(Analyze, EntropyOfUniformIsLogN) {
  std::vector<float> logits(1000, 3.0f);
  const Distribution d = Analyze(logits);
  EXPECT_NEAR(d.entropy, std::log(1000.0), 1e-4);
  EXPECT_NEAR(d.log_sum_exp, 3.0 + std::log(1000.0), 1e-4);
}

}  // namespace
}  // namespace inferno
