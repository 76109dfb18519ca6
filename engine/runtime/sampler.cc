#include "engine/runtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace inferno {
namespace {

bool Better(const TokenProb& a, const TokenProb& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Softmax of the candidates' logits (already scaled) into .prob, in place.
void Softmax(std::vector<TokenProb>& c) {
  float max = -INFINITY;
  for (const TokenProb& t : c) max = std::max(max, t.logit);
  double sum = 0;
  for (TokenProb& t : c) sum += (t.prob = std::exp(t.logit - max));
  for (TokenProb& t : c) t.prob = float(t.prob / sum);
}

}  // namespace

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab)
    : params_(params), n_vocab_(n_vocab), counts_(n_vocab, 0) {
  Reset();
  cands_.reserve(n_vocab);
}

void Sampler::Reset() {
  history_.clear();
  std::fill(counts_.begin(), counts_.end(), 0);
  rng_.seed(params_.seed == SamplingParams::kRandomSeed ? std::random_device{}()
                                                        : uint32_t(params_.seed));
}

void Sampler::Accept(int32_t token) {
  if (token < 0 || token >= n_vocab_) return;
  history_.push_back(token);
}

void Sampler::ApplyPenalties(std::vector<TokenProb>& cands) {
  const bool any = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                   params_.frequency_penalty != 0.0f;
  if (!any || params_.repeat_last_n == 0) return;
  const size_t window = params_.repeat_last_n < 0
                            ? history_.size()
                            : std::min(history_.size(), size_t(params_.repeat_last_n));
  std::vector<int32_t>& counts = counts_;  // zeroed again below: no per-call allocation
  for (size_t i = history_.size() - window; i < history_.size(); ++i) ++counts[history_[i]];
  for (TokenProb& c : cands) {
    const int n = counts[c.id];
    if (n == 0) continue;
    // Repeat penalty shrinks a logit toward zero from either side (llama.cpp semantics).
    c.logit = c.logit <= 0 ? c.logit * params_.repeat_penalty : c.logit / params_.repeat_penalty;
    c.logit -= float(n) * params_.frequency_penalty + params_.presence_penalty;
  }
  for (size_t i = history_.size() - window; i < history_.size(); ++i) counts[history_[i]] = 0;
}

int32_t Sampler::Sample(std::span<const float> logits) {
  cands_.clear();
  for (int32_t i = 0; i < int32_t(logits.size()); ++i) cands_.push_back({i, logits[i], 0.0f});
  ApplyPenalties(cands_);
  if (params_.temperature <= 0.0f) {
    return std::min_element(cands_.begin(), cands_.end(), Better)->id;
  }
  // top-k: keep the k best, sorted.
  size_t k = cands_.size();
  if (params_.top_k > 0) k = std::min(k, size_t(params_.top_k));
  std::partial_sort(cands_.begin(), cands_.begin() + k, cands_.end(), Better);
  cands_.resize(k);
  // top-p: the smallest prefix whose probability reaches p.
  if (params_.top_p < 1.0f) {
    Softmax(cands_);
    double cum = 0;
    size_t keep = cands_.size();
    for (size_t i = 0; i < cands_.size(); ++i) {
      cum += cands_[i].prob;
      if (cum >= params_.top_p) {
        keep = i + 1;
        break;
      }
    }
    cands_.resize(std::max<size_t>(1, keep));
  }
  // min-p: drop tokens less likely than min_p times the best one.
  if (params_.min_p > 0.0f) {
    const float threshold = cands_[0].logit + std::log(params_.min_p);
    size_t keep = 1;
    while (keep < cands_.size() && cands_[keep].logit >= threshold) ++keep;
    cands_.resize(keep);
  }
  for (TokenProb& c : cands_) c.logit /= params_.temperature;
  Softmax(cands_);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  double r = uniform(rng_);
  for (const TokenProb& c : cands_) {
    r -= c.prob;
    if (r <= 0) return c.id;
  }
  return cands_.back().id;
}

void TopK(std::span<const float> logits, int k, std::vector<TokenProb>* out) {
  out->clear();
  k = std::clamp(k, 0, int(logits.size()));
  if (k == 0) return;
  const Distribution d = Analyze(logits);
  // Keep a small sorted buffer of the best k while scanning once.
  for (int32_t i = 0; i < int32_t(logits.size()); ++i) {
    const TokenProb t{i, logits[i], 0.0f};
    if (int(out->size()) == k && !Better(t, out->back())) continue;
    auto pos = std::upper_bound(out->begin(), out->end(), t, Better);
    out->insert(pos, t);
    if (int(out->size()) > k) out->pop_back();
  }
  for (TokenProb& t : *out) t.prob = std::exp(t.logit - d.log_sum_exp);
}

Distribution Analyze(std::span<const float> logits) {
  float max = -INFINITY;
  for (float l : logits) max = std::max(max, l);
  double sum = 0, weighted = 0;
  for (float l : logits) {
    const double e = std::exp(double(l) - max);
    sum += e;
    weighted += e * (double(l) - max);
  }
  const double lse = std::log(sum);
  // H = -sum p log p = lse - E[l - max] with p = e / sum.
  const double entropy = lse - weighted / sum;
  return {max, float(max + lse), float(entropy)};
}

}  // namespace inferno
