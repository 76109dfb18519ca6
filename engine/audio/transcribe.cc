// The window loop and whisper_process_logits' rules (src/whisper.cpp whisper_full_with_state).
#include "engine/audio/transcribe.h"

#include <algorithm>
#include <cmath>

#include "engine/audio/languages.h"
#include "engine/audio/log_mel.h"

namespace inferno::audio {

namespace {

constexpr int kDeltaMin = 10;  // 100 ms: less audio than this left ends the loop
constexpr int kWindow = 3000;  // a 30 s window in mel frames (seek units)

struct Step {
  std::vector<float> logprobs, probs;
};

int32_t BlankToken(const WhisperVocab& v) {
  const auto it = std::find(v.tokens.begin(), v.tokens.end(), " ");
  return it == v.tokens.end() ? -1 : int32_t(it - v.tokens.begin());
}

void LogSoftmax(const std::vector<float>& logits, Step* s) {
  const float mx = *std::max_element(logits.begin(), logits.end());
  float sum = 0;
  for (float l : logits) sum += l > -INFINITY ? std::exp(l - mx) : 0.0f;
  const float lse = std::log(sum) + mx;
  s->logprobs.resize(logits.size());
  s->probs.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    s->logprobs[i] = logits[i] > -INFINITY ? logits[i] - lse : -INFINITY;
    s->probs[i] = logits[i] == -INFINITY ? 0.0f : std::exp(s->logprobs[i]);
  }
}

struct DecodeState {
  std::vector<TokenInfo> tokens;
  int seek_delta = 100 * 30;
  bool has_ts = false, failed = false, completed = false;
  int result_len = 0;
};

void SuppressSpecial(const WhisperVocab& v, const std::vector<TokenInfo>& cur, bool initial,
                     const DecodeState& st, int n_audio_ctx, std::vector<float>& logits) {
  const int n = int(logits.size());
  if (initial) {
    logits[v.eot] = -INFINITY;
    if (const int32_t blank = BlankToken(v); blank >= 0) logits[blank] = -INFINITY;
  }
  for (int32_t id : {v.no_timestamps, v.sot, v.nosp, v.solm, v.translate, v.transcribe, v.prev}) {
    logits[id] = -INFINITY;
  }
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
  if (st.has_ts) {  // no going back before the last timestamp
    std::fill(logits.begin() + v.timestamp_begin,
              logits.begin() + std::min(n, v.timestamp_begin + st.seek_delta / 2), -INFINITY);
  }
}

// whisper_process_logits at temperature 0, then the greedy pick (whisper_sample_token).
TokenInfo Sample(const WhisperVocab& v, std::vector<float> logits, const DecodeState& st,
                 int n_audio_ctx, int n_alt) {
  SuppressSpecial(v, st.tokens, st.tokens.empty(), st, n_audio_ctx, logits);
  Step s;
  LogSoftmax(logits, &s);
  float ts_lse = -INFINITY;
  const float ts_max = *std::max_element(s.logprobs.begin() + v.timestamp_begin, s.logprobs.end());
  float sum = 0;
  for (size_t i = v.timestamp_begin; i < s.logprobs.size(); ++i) {
    if (s.logprobs[i] > -INFINITY) sum += std::exp(s.logprobs[i] - ts_max);
  }
  if (sum > 0) ts_lse = std::log(sum) + ts_max;
  const float text_max =
      *std::max_element(s.logprobs.begin(), s.logprobs.begin() + v.timestamp_begin);
  if (ts_lse > text_max) {
    std::fill(logits.begin(), logits.begin() + v.timestamp_begin, -INFINITY);
    std::fill(s.logprobs.begin(), s.logprobs.begin() + v.timestamp_begin, -INFINITY);
  }
  // whisper_compute_probs: probabilities of the final logprobs.
  for (size_t i = 0; i < logits.size(); ++i) {
    s.probs[i] = logits[i] == -INFINITY ? 0.0f : std::exp(s.logprobs[i]);
  }
  TokenInfo t;
  float max_ts = 0;
  for (size_t i = v.timestamp_begin; i < s.probs.size(); ++i) {
    if (max_ts < s.probs[i]) max_ts = s.probs[i], t.tid = int32_t(i);
  }
  for (size_t i = 0; i < s.probs.size(); ++i) {
    if (t.p < s.probs[i]) t.id = int32_t(i), t.p = s.probs[i], t.plog = s.logprobs[i];
  }
  if (t.id >= v.timestamp_begin) t.tid = t.id;
  std::vector<int32_t> order(s.probs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
  const int k = std::min<int>(n_alt, int(order.size()));
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) { return s.probs[a] > s.probs[b]; });
  for (int i = 0; i < k; ++i) t.top.emplace_back(order[i], s.probs[order[i]]);
  t.text = v.Text(t.id);
  return t;
}

// whisper_full's checks after each token: timestamps move seek_delta; EOT or the end of the
// audio completes the window; a stalled or looping sequence fails.
void Advance(const WhisperVocab& v, int i, int n_max, int seek, int seek_end, DecodeState& st) {
  const TokenInfo& tok = st.tokens.back();
  if (tok.id > v.timestamp_begin) {
    const int delta = 2 * (tok.id - v.timestamp_begin);
    if (st.has_ts && st.seek_delta > delta && st.result_len < i) {
      st.failed = true;
      return;
    }
    st.seek_delta = delta;
    st.result_len = i + 1;
    st.has_ts = true;
  }
  if (tok.id == v.eot || (st.has_ts && seek + st.seek_delta + kDeltaMin >= seek_end)) {
    if (st.result_len == 0) {
      if (seek + st.seek_delta + kDeltaMin >= seek_end) {
        st.result_len = i + 1;
      } else {
        st.failed = true;
        return;
      }
    }
    st.completed = true;
    return;
  }
  if (i == n_max - 1 && (st.result_len == 0 || st.seek_delta < 100 * 30 / 2)) st.failed = true;
}

// Splits the window's tokens into segments at timestamp tokens (whisper_full's output loop).
void AddSegments(const WhisperVocab& v, const DecodeState& st, int seek,
                 std::vector<Segment>& out) {
  const std::vector<TokenInfo>& toks = st.tokens;
  if (toks.empty()) return;
  int64_t t0 = seek + 2 * (toks.front().tid - v.timestamp_begin);
  std::string text;
  size_t i0 = 0;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].id < v.eot) text += toks[i].text;
    if (toks[i].id <= v.timestamp_begin) continue;
    const int64_t t1 = seek + 2 * (toks[i].tid - v.timestamp_begin);
    if (!text.empty()) {
      out.push_back({t0, t1, text, {toks.begin() + i0, toks.begin() + i + 1}});
    }
    text.clear();
    t0 = t1;
    while (i + 1 < toks.size() && toks[i + 1].id > v.timestamp_begin) {
      ++i;
      t0 = seek + 2 * (toks[i].tid - v.timestamp_begin);
    }
    i0 = i + 1;
  }
  if (!text.empty())
    out.push_back({t0, seek + st.seek_delta, text, {toks.begin() + i0, toks.end()}});
}

// The <|nospeech|> probability of the prompt's raw logits, before any rule.
float NoSpeechProb(const WhisperVocab& v, const std::vector<float>& logits) {
  Step s;
  LogSoftmax(logits, &s);
  return s.probs[v.nosp];
}

// whisper_sequence_score's avg_logprobs (left at 0 for a failed sequence, which it skips).
double AverageLogprob(const DecodeState& st) {
  if (st.failed || st.result_len == 0) return 0;
  double sum = 0;
  for (int i = 0; i < st.result_len; ++i) sum += st.tokens[i].plog;
  return sum / st.result_len;
}

}  // namespace

std::string Transcript::Text() const {
  std::string s;
  for (const Segment& seg : segments) s += seg.text;
  return s;
}

Result<std::string> DetectLanguage(ThreadPool& pool, const WhisperModel& m,
                                   std::span<const float> encoded) {
  const WhisperVocab& v = m.vocab();
  if (!v.multilingual()) return std::string("en");
  WhisperDecoder dec(pool, m, encoded);
  const int32_t sot = v.sot;
  Result<std::vector<float>> logits = dec.Decode(std::span(&sot, 1));
  if (!logits.ok()) return logits.status();
  const int n = std::min<int>(v.n_languages(), int(LanguageCodes().size()));
  int best = 0;
  for (int i = 1; i < n; ++i) {
    if ((*logits)[v.sot + 1 + i] > (*logits)[v.sot + 1 + best]) best = i;
  }
  return std::string(LanguageCodes()[best]);
}

Result<Transcript> Transcribe(ThreadPool& pool, const WhisperModel& m,
                              std::span<const float> samples, const TranscribeOptions& o) {
  const WhisperVocab& v = m.vocab();
  const WhisperHparams& hp = m.hparams();
  if (samples.empty()) return Status::InvalidArgument("transcribe: no audio samples");
  const LogMel mel = ComputeLogMel(pool, samples, m.file().filters());
  Transcript out;
  out.language = o.language;
  const int seek_end = mel.n_len_org, n_max = hp.n_text_ctx / 2 - 4;
  for (int seek = 0; seek + kDeltaMin < seek_end;) {
    const std::vector<float> enc = RunEncoder(pool, m, mel.Window(seek));
    if (out.language == "auto") {
      Result<std::string> lang = DetectLanguage(pool, m, enc);
      if (!lang.ok()) return lang.status();
      out.language = *lang;
    }
    const int lang = LanguageIndex(out.language);
    if (lang < 0) return Status::InvalidArgument("unknown language '" + out.language + "'");
    std::vector<int32_t> prompt = {v.sot};
    if (v.multilingual()) {
      prompt.push_back(v.sot + 1 + lang);
      prompt.push_back(o.translate ? v.translate : v.transcribe);
    }
    WhisperDecoder dec(pool, m, enc);
    DecodeState st;
    Result<std::vector<float>> logits = dec.Decode(prompt);
    const float no_speech = logits.ok() ? NoSpeechProb(v, *logits) : 0.0f;
    for (int i = 0; logits.ok() && i < n_max; ++i) {
      st.tokens.push_back(Sample(v, *logits, st, hp.n_audio_ctx, o.n_alternatives));
      Advance(v, i, n_max, seek, seek_end, st);
      if (st.completed || st.failed) break;
      logits = dec.Decode(std::span(&st.tokens.back().id, 1));
    }
    if (!logits.ok()) return logits.status();
    if (!st.failed) st.tokens.resize(st.result_len);
    // Silence: the no-speech token was likely and the text unlikely (no_speech_thold 0.6,
    // logprob_thold -1).
    const size_t first_new = out.segments.size();
    if (no_speech <= 0.6f || AverageLogprob(st) >= -1.0f) AddSegments(v, st, seek, out.segments);
    for (size_t i = first_new; i < out.segments.size(); ++i) {
      out.segments[i].seek = seek;
      out.segments[i].no_speech_prob = no_speech;
      if (o.on_segment && !o.on_segment(out.segments[i])) {
        return Status::Cancelled("transcribe: stopped by the caller");
      }
    }
    const size_t n = st.tokens.size();
    if (n > 1 && st.tokens[n - 2].id < v.timestamp_begin &&
        st.tokens[n - 1].id > v.timestamp_begin) {
      st.seek_delta = std::min(seek_end - seek, kWindow);  // a single timestamp ending
    }
    seek += st.seek_delta;
  }
  return out;
}

}  // namespace inferno::audio
