#include "engine/audio/whisper_sampling.h"

#include <algorithm>
#include <map>

#include "engine/audio/languages.h"

namespace inferno::audio::internal {

namespace {

int32_t BlankToken(const WhisperVocab& v) {
  const auto it = std::find(v.tokens.begin(), v.tokens.end(), " ");
  return it == v.tokens.end() ? -1 : int32_t(it - v.tokens.begin());
}

void Suppress(const WhisperVocab& v, const Sequence& seq, int n_audio_ctx, bool no_timestamps,
              std::vector<float>& logits) {
  const int n = int(logits.size());
  const std::vector<TokenInfo>& cur = seq.tokens;
  const bool initial = cur.empty();
  if (initial) {
    logits[v.eot] = -INFINITY;
    if (const int32_t blank = BlankToken(v); blank >= 0) logits[blank] = -INFINITY;
  }
  for (int32_t id : {v.no_timestamps, v.sot, v.nosp, v.solm, v.translate, v.transcribe, v.prev}) {
    logits[id] = -INFINITY;
  }
  if (no_timestamps)
    std::fill(logits.begin() + std::min(n, v.timestamp_begin), logits.end(), -INFINITY);
  for (int i = 0; i < int(LanguageCodes().size()) && v.sot + 1 + i < n; ++i) {
    logits[v.sot + 1 + i] = -INFINITY;
  }
  // Timestamps come in pairs: after a lone one, another one or EOT; after a pair, text.
  const bool last_ts = !cur.empty() && cur.back().id >= v.timestamp_begin;
  const bool penult_ts = cur.size() < 2 || cur[cur.size() - 2].id >= v.timestamp_begin;
  if (last_ts) {
    const int lo = penult_ts ? v.timestamp_begin : 0, hi = penult_ts ? n : v.eot;
    std::fill(logits.begin() + lo, logits.begin() + hi, -INFINITY);
  }
  if (initial) {  // max_initial_ts 1 s at 20 ms per timestamp token
    const int tid0 = int(std::round(1.0f / (30.0f / n_audio_ctx)));
    std::fill(logits.begin() + std::min(n, v.timestamp_begin + tid0 + 1), logits.end(), -INFINITY);
  }
  if (seq.has_ts) {  // no going back before the last timestamp
    std::fill(logits.begin() + v.timestamp_begin,
              logits.begin() + std::min(n, v.timestamp_begin + seq.seek_delta / 2), -INFINITY);
  }
}

// When the timestamps together are likelier than any text token, only timestamps remain.
void ForceTimestamps(const WhisperVocab& v, Distribution& d) {
  const auto ts = d.logprobs.begin() + v.timestamp_begin;
  const float ts_max = *std::max_element(ts, d.logprobs.end());
  float sum = 0, ts_lse = -INFINITY;
  for (auto it = ts; it != d.logprobs.end(); ++it) {
    if (*it > -INFINITY) sum += std::exp(*it - ts_max);
  }
  if (sum > 0) ts_lse = std::log(sum) + ts_max;
  if (ts_lse > *std::max_element(d.logprobs.begin(), ts)) {
    std::fill(d.logits.begin(), d.logits.begin() + v.timestamp_begin, -INFINITY);
    std::fill(d.logprobs.begin(), ts, -INFINITY);
  }
}

// The most probable timestamp token (whisper_sample_token's tid); `none` when all are 0.
int32_t BestTimestamp(const WhisperVocab& v, const Distribution& d, int32_t none) {
  float best = 0;
  int32_t tid = none;
  for (size_t i = v.timestamp_begin; i < d.probs.size(); ++i) {
    if (best < d.probs[i]) best = d.probs[i], tid = int32_t(i);
  }
  return tid;
}

// The n most probable tokens, best first (the alternatives shown with each token).
std::vector<std::pair<int32_t, float>> TopAlternatives(const Distribution& d, int n) {
  std::vector<int32_t> order(d.probs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
  const int k = std::min<int>(n, int(order.size()));
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) { return d.probs[a] > d.probs[b]; });
  std::vector<std::pair<int32_t, float>> top;
  for (int i = 0; i < k; ++i) top.emplace_back(order[i], d.probs[order[i]]);
  return top;
}

TokenInfo MakeToken(const WhisperVocab& v, const Distribution& d, int32_t id, int32_t tid,
                    std::vector<std::pair<int32_t, float>> top) {
  TokenInfo t;
  t.id = id;
  t.p = d.probs[id];
  t.plog = d.logprobs[id];
  t.tid = id >= v.timestamp_begin ? id : tid;
  t.text = v.Text(id);
  t.top = std::move(top);
  return t;
}

}  // namespace

void LogSoftmax(const std::vector<float>& logits, Distribution* d) {
  const float mx = *std::max_element(logits.begin(), logits.end());
  float sum = 0;
  for (float l : logits) sum += l > -INFINITY ? std::exp(l - mx) : 0.0f;
  const float lse = std::log(sum) + mx;
  d->logprobs.resize(logits.size());
  d->probs.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    d->logprobs[i] = logits[i] > -INFINITY ? logits[i] - lse : -INFINITY;
    d->probs[i] = logits[i] == -INFINITY ? 0.0f : std::exp(d->logprobs[i]);
  }
}

Distribution ProcessLogits(const WhisperVocab& v, std::span<const float> raw, float temperature,
                           const Sequence& seq, int n_audio_ctx, bool no_timestamps) {
  Distribution d;
  d.logits.assign(raw.begin(), raw.end());
  if (temperature > 0) {
    for (float& l : d.logits) l /= temperature;
  }
  Suppress(v, seq, n_audio_ctx, no_timestamps, d.logits);
  LogSoftmax(d.logits, &d);
  ForceTimestamps(v, d);
  for (size_t i = 0; i < d.logits.size(); ++i) {
    d.probs[i] = d.logits[i] == -INFINITY ? 0.0f : std::exp(d.logprobs[i]);
  }
  return d;
}

TokenInfo PickBest(const WhisperVocab& v, const Distribution& d, int n_alt) {
  int32_t id = 0;
  float p = 0;
  for (size_t i = 0; i < d.probs.size(); ++i) {
    if (p < d.probs[i]) p = d.probs[i], id = int32_t(i);
  }
  return MakeToken(v, d, id, BestTimestamp(v, d, 0), TopAlternatives(d, n_alt));
}

TokenInfo PickRandom(const WhisperVocab& v, const Distribution& d, std::mt19937& rng, int n_alt) {
  std::discrete_distribution<> dist(d.probs.begin(), d.probs.end());
  const int32_t id = dist(rng);
  return MakeToken(v, d, id, BestTimestamp(v, d, 0), TopAlternatives(d, n_alt));
}

std::vector<TokenInfo> PickDraws(const WhisperVocab& v, const Distribution& d, std::mt19937& rng,
                                 int k, int n_alt) {
  std::discrete_distribution<> dist(d.probs.begin(), d.probs.end());
  const int32_t tid = BestTimestamp(v, d, v.timestamp_begin);
  const std::vector<std::pair<int32_t, float>> top = TopAlternatives(d, n_alt);
  std::vector<TokenInfo> out;
  for (int i = 0; i < k; ++i) out.push_back(MakeToken(v, d, dist(rng), tid, top));
  return out;
}

void Advance(const WhisperVocab& v, int i, int n_max, int seek, int seek_end, Sequence& s,
             bool no_timestamps) {
  const TokenInfo& tok = s.tokens.back();
  if (tok.id > v.timestamp_begin) {
    const int delta = 2 * (tok.id - v.timestamp_begin);
    if (s.has_ts && s.seek_delta > delta && s.result_len < i) {
      s.failed = true;
      return;
    }
    s.seek_delta = delta;
    s.result_len = i + 1;
    s.has_ts = true;
  }
  const bool at_end = seek + s.seek_delta + kDeltaMin >= seek_end;
  if (tok.id == v.eot || (s.has_ts && at_end)) {
    if (no_timestamps) {  // no timestamp to end the result at: all of it, and the whole window
      s.result_len = i + 1;
      s.seek_delta = kWindow;
    } else if (s.result_len == 0) {
      if (!at_end) {
        s.failed = true;
        return;
      }
      s.result_len = i + 1;
    }
    s.completed = true;
    return;
  }
  if (i == n_max - 1 && (s.result_len == 0 || s.seek_delta < kWindow / 2)) s.failed = true;
}

void Score(Sequence& s) {
  if (s.result_len == 0) return;
  double sum = 0;
  for (int i = 0; i < s.result_len; ++i) sum += s.tokens[i].plog;
  s.avg_logprobs = s.score = sum / s.result_len;
  std::map<int32_t, int> counts;
  const int first = std::max(0, s.result_len - 32);
  for (int i = first; i < s.result_len; ++i) ++counts[s.tokens[i].id];
  double entropy = 0;
  for (const auto& [id, c] : counts) {
    const double p = c / double(s.result_len - first);
    entropy -= p * std::log(p);
  }
  s.entropy = entropy;
}

}  // namespace inferno::audio::internal
