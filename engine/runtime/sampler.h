// Choosing the next token from logits, and the distribution summaries that probes and the
// event stream report.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace inferno {

struct SamplingParams {
  float temperature = 0.8f;     // <= 0: greedy
  int top_k = 40;               // <= 0: off
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int repeat_last_n = 64;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = kRandomSeed;
  // (token id, bias) added to those tokens' logits before anything else sees them: sampling,
  // and the probabilities the events report (OpenAI's logit_bias, -100..100). Sequence adds
  // them; Sample() takes the logits as given.
  std::vector<std::pair<int32_t, float>> logit_bias;

  static constexpr uint64_t kRandomSeed = 0xFFFFFFFF;
};

struct TokenProb {
  int32_t id;
  float logit;
  float prob;
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, int32_t n_vocab);

  // Picks the next token. Logits are not modified; scratch space is reused between calls.
  // Order as in llama.cpp: penalties, top-k, top-p, min-p, temperature, draw.
  int32_t Sample(std::span<const float> logits);
  // The distribution Sample() draws from: the candidates left after penalties, top-k, top-p
  // and min-p, with their probabilities at the temperature, most likely first. Greedy: the
  // best token alone, probability 1. Valid until the next call. (Speculative decoding checks
  // drafted tokens against it: engine/runtime/speculative.h.)
  std::span<const TokenProb> Probabilities(std::span<const float> logits);
  bool greedy() const { return params_.temperature <= 0.0f; }
  // The generator Sample() draws with, for draws that must follow the same seed.
  std::mt19937& rng() { return rng_; }
  // Adds a token to the history the penalties look at.
  void Accept(int32_t token);
  // Forgets the history and reseeds, so the same seed replays the same draws.
  void Reset();

  // Applies the repeat/presence/frequency penalties for the current history to logits
  // indexed by token id: what Sample() sees before truncation (also useful to probes).
  void Penalize(std::span<float> logits);

 private:
  // Calls fn(id, count) once per distinct token in the penalty window.
  template <typename Fn>
  void ForEachPenalized(Fn&& fn);
  float PenalizedLogit(float logit, int count) const;
  // Fills cands_ with what Probabilities() returns; false when the choice is already made
  // (greedy, or nothing possible: cands_[0] alone), so no random draw is taken.
  bool PrepareCandidates(std::span<const float> logits);

  SamplingParams params_;
  int32_t n_vocab_;
  std::mt19937 rng_;
  std::vector<int32_t> history_;
  std::vector<TokenProb> cands_;
  std::vector<int32_t> counts_;
};

// A draw from `dist` (probabilities summing to 1) with one uniform number of `rng`.
int32_t DrawFrom(std::span<const TokenProb> dist, std::mt19937& rng);

// The k most likely tokens (descending logit, ties to the lower id) with their probability
// under the full softmax at temperature 1. O(n + k log k).
void TopK(std::span<const float> logits, int k, std::vector<TokenProb>* out);
// The same with the softmax normaliser already known (Analyze(logits).log_sum_exp).
void TopK(std::span<const float> logits, int k, float log_sum_exp, std::vector<TokenProb>* out);

struct Distribution {
  float max_logit;
  float log_sum_exp;  // log of the softmax normaliser
  float entropy;      // nats
};
Distribution Analyze(std::span<const float> logits);

}  // namespace inferno
