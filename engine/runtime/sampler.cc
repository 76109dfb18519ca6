#include "engine/runtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace inferno {
namespace {

// Descending logit, ties to the lower id: the order greedy, top-k and probes agree on.
bool Better(const TokenProb& a, const TokenProb& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Softmax of the candidates' logits into .prob, in place. Sums in double so 150k-entry
// vocabularies do not lose the tail.
void Softmax(std::vector<TokenProb>& c) {
  float max = -INFINITY;
  for (const TokenProb& t : c) max = std::max(max, t.logit);
  double sum = 0;
  for (TokenProb& t : c) sum += (t.prob = std::exp(t.logit - max));
  for (TokenProb& t : c) t.prob = float(t.prob / sum);
}

}  // namespace

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab)
    : params_(params), n_vocab_(std::max(n_vocab, 0)), counts_(n_vocab_, 0) {
  cands_.reserve(n_vocab_);
  Reset();
}

void Sampler::Reset() {
  history_.clear();
  // mt19937 keeps the low 32 bits of the seed, as llama.cpp does.
  rng_.seed(params_.seed == SamplingParams::kRandomSeed ? std::random_device{}()
                                                        : uint32_t(params_.seed));
}

void Sampler::Accept(int32_t token) {
  if (token < 0 || token >= n_vocab_) return;
  history_.push_back(token);
  // Only the last repeat_last_n tokens matter; drop the rest now and then (amortised O(1)).
  const size_t keep = size_t(params_.repeat_last_n);
  if (params_.repeat_last_n > 0 && history_.size() >= 2 * keep + 256) {
    history_.erase(history_.begin(), history_.end() - keep);
  }
}

float Sampler::PenalizedLogit(float logit, int count) const {
  // The repeat penalty moves a logit toward zero from either side (llama.cpp semantics);
  // frequency scales with the count, presence is paid once.
  logit = logit <= 0 ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
  return logit - float(count) * params_.frequency_penalty - params_.presence_penalty;
}

template <typename Fn>
void Sampler::ForEachPenalized(Fn&& fn) {
  const bool any = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                   params_.frequency_penalty != 0.0f;
  if (!any || params_.repeat_last_n == 0 || history_.empty()) return;
  const size_t window = params_.repeat_last_n < 0
                            ? history_.size()
                            : std::min(history_.size(), size_t(params_.repeat_last_n));
  const auto begin = history_.end() - ptrdiff_t(window);
  for (auto it = begin; it != history_.end(); ++it) ++counts_[*it];
  // Visit each distinct token once, clearing its count so the scratch is zero again.
  for (auto it = begin; it != history_.end(); ++it) {
    if (counts_[*it] == 0) continue;
    fn(*it, counts_[*it]);
    counts_[*it] = 0;
  }
}

void Sampler::Penalize(std::span<float> logits) {
  ForEachPenalized([&](int32_t id, int count) {
    if (size_t(id) < logits.size()) logits[id] = PenalizedLogit(logits[id], count);
  });
}

int32_t Sampler::Sample(std::span<const float> logits) {
  if (logits.empty()) return 0;
  if (!PrepareCandidates(logits)) return cands_[0].id;
  return DrawFrom(cands_, rng_);
}

std::span<const TokenProb> Sampler::Probabilities(std::span<const float> logits) {
  if (logits.empty()) return {};
  if (!PrepareCandidates(logits)) {
    cands_.resize(1);
    cands_[0].prob = 1.0f;
  }
  return cands_;
}

bool Sampler::PrepareCandidates(std::span<const float> logits) {
  cands_.clear();
  for (int32_t i = 0; i < int32_t(logits.size()); ++i) {
    // A NaN would break every comparison below; treat it as impossible.
    const float l = std::isnan(logits[i]) ? -INFINITY : logits[i];
    cands_.push_back({i, l, 0.0f});
  }
  // cands_ is still in id order here, so a token's entry is cands_[id].
  ForEachPenalized([&](int32_t id, int count) {
    if (size_t(id) < cands_.size()) cands_[id].logit = PenalizedLogit(cands_[id].logit, count);
  });
  if (params_.temperature <= 0.0f) {
    std::iter_swap(cands_.begin(), std::min_element(cands_.begin(), cands_.end(), Better));
    return false;
  }
  // top-k: keep the k best, sorted (the whole vocabulary when off).
  size_t k = cands_.size();
  if (params_.top_k > 0) k = std::min(k, size_t(params_.top_k));
  std::partial_sort(cands_.begin(), cands_.begin() + ptrdiff_t(k), cands_.end(), Better);
  cands_.resize(k);
  if (cands_[0].logit == -INFINITY) return false;  // nothing is possible: be greedy
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
  // min-p: drop tokens less likely than min_p times the best one (a logit gap of log p).
  if (params_.min_p > 0.0f) {
    const float threshold = cands_[0].logit + std::log(params_.min_p);
    size_t keep = 1;
    while (keep < cands_.size() && cands_[keep].logit >= threshold) ++keep;
    cands_.resize(keep);
  }
  for (TokenProb& c : cands_) c.logit /= params_.temperature;
  Softmax(cands_);
  return true;
}

int32_t DrawFrom(std::span<const TokenProb> dist, std::mt19937& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  double r = uniform(rng);
  for (const TokenProb& c : dist) {
    r -= c.prob;
    if (r < 0) return c.id;
  }
  return dist.back().id;  // rounding left r a hair above zero
}

void TopK(std::span<const float> logits, int k, std::vector<TokenProb>* out) {
  TopK(logits, k, Analyze(logits).log_sum_exp, out);
}

void TopK(std::span<const float> logits, int k, float log_sum_exp, std::vector<TokenProb>* out) {
  out->clear();
  k = std::clamp(k, 0, int(logits.size()));
  if (k == 0) return;
  // One pass keeping the k best in a heap whose front is the worst of them: almost every
  // logit is rejected by one comparison, with no copy of the vocabulary (this runs every
  // step).
  out->reserve(k);
  for (int32_t i = 0; i < int32_t(logits.size()); ++i) {
    const TokenProb c{i, std::isnan(logits[i]) ? -INFINITY : logits[i], 0.0f};
    if (int(out->size()) < k) {
      out->push_back(c);
      std::push_heap(out->begin(), out->end(), Better);
    } else if (Better(c, out->front())) {
      std::pop_heap(out->begin(), out->end(), Better);
      out->back() = c;
      std::push_heap(out->begin(), out->end(), Better);
    }
  }
  std::sort(out->begin(), out->end(), Better);
  for (TokenProb& t : *out) t.prob = float(std::exp(double(t.logit) - log_sum_exp));
}

Distribution Analyze(std::span<const float> logits) {
  float max = -INFINITY;
  for (float l : logits) {
    if (!std::isnan(l)) max = std::max(max, l);
  }
  if (logits.empty() || max == -INFINITY) return {max, -INFINITY, 0.0f};
  double sum = 0, weighted = 0;
  for (float l : logits) {
    if (std::isnan(l) || l == -INFINITY) continue;
    const double e = std::exp(double(l) - max);
    sum += e;
    weighted += e * (double(l) - max);
  }
  const double lse = std::log(sum);
  // H = -sum p log p with log p = (l - max) - lse, so H = lse - E[l - max].
  const double entropy = lse - weighted / sum;
  return {max, float(max + lse), float(std::max(entropy, 0.0))};
}

}  // namespace inferno
