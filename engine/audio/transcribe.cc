// The window loop, temperature fallback and prompt history of src/whisper.cpp
// whisper_full_with_state.
#include "engine/audio/transcribe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/audio/languages.h"
#include "engine/audio/log_mel.h"
#include "engine/audio/whisper_search.h"

namespace inferno::audio {

namespace {

using internal::kDeltaMin;
using internal::kWindow;
using internal::Sequence;
using internal::Slot;

constexpr int kMaxDecoders = 8;             // WHISPER_MAX_DECODERS
constexpr float kEntropyThold = 2.4f;       // below: a repetition loop
constexpr float kLogprobThold = -1.0f;      // below: an unlikely transcript
constexpr float kNoSpeechThold = 0.6f;      // above (with an unlikely transcript): silence
constexpr float kHistoryTempCutoff = 0.5f;  // no previous text at or above this temperature

std::vector<float> Temperatures(const TranscribeOptions& o) {
  std::vector<float> t;
  if (o.temperature_inc <= 0) return {o.temperature};
  for (float x = o.temperature; x < 1.0f + 1e-6f; x += o.temperature_inc) t.push_back(x);
  return t;
}

// Beam search (beam_size > 1) keeps drawing beam_size tokens per candidate at temperatures above
// 0, with best_of candidates, as whisper.cpp's beam strategy does.
int DecodersAt(const TranscribeOptions& o, float t) {
  return std::max(1, t > 0 ? o.best_of : (o.beam_size > 1 ? o.beam_size : 1));
}

// The prompt history kept between windows (whisper.cpp's prompt_past1).
struct History {
  std::vector<int32_t> past;
  int max_ctx = 0;  // min(max_context, n_text_ctx / 2)
};

std::vector<int32_t> BuildPrompt(const WhisperVocab& v, const History& h,
                                 const std::vector<int32_t>& init, float t) {
  std::vector<int32_t> prompt;
  if (t < kHistoryTempCutoff && h.max_ctx > 0 && !h.past.empty()) {
    prompt.push_back(v.prev);
    const int n = std::min<int>(h.max_ctx - 1, int(h.past.size()));
    prompt.insert(prompt.end(), h.past.end() - n, h.past.end());
  }
  prompt.insert(prompt.end(), init.begin(), init.end());
  return prompt;
}

// The history after a window: what its prompt used, then the chosen tokens unless silent.
void UpdateHistory(const WhisperVocab& v, const std::vector<int32_t>& prompt, size_t n_init,
                   const Sequence& best, bool silent, History& h) {
  h.past.clear();
  if (!prompt.empty() && prompt.front() == v.prev) {
    h.past.assign(prompt.begin() + 1, prompt.end() - n_init);
  }
  if (silent) return;
  for (int i = 0; i < best.result_len; ++i) h.past.push_back(best.tokens[i].id);
}

// Scores the finished candidates and returns whether the window needs the next temperature;
// `best` keeps its value when every candidate failed (as whisper.cpp's best_decoder_id).
bool RankCandidates(std::vector<Slot>& slots, int n, bool last, float no_speech, int* best) {
  double best_score = -INFINITY;
  for (int j = 0; j < n; ++j) {
    Sequence& s = slots[j].seq;
    if (s.failed) continue;
    s.tokens.resize(size_t(s.result_len));
    internal::Score(s);
    if (s.result_len > 32 && s.entropy < kEntropyThold) {
      s.failed = true;
      continue;
    }
    if (best_score < s.score) best_score = s.score, *best = j;
  }
  const Sequence& b = slots[*best].seq;
  return !last && (b.failed || (b.avg_logprobs < kLogprobThold && no_speech < kNoSpeechThold));
}

// Splits the window's tokens into segments at timestamp tokens (whisper_full's output loop).
void AddSegments(const WhisperVocab& v, const Sequence& seq, int seek, std::vector<Segment>& out) {
  const std::vector<TokenInfo>& toks = seq.tokens;
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
    out.push_back({t0, seek + seq.seek_delta, text, {toks.begin() + i0, toks.end()}});
}

// Without timestamps the window is one segment: its text from the window's start to where
// whisper.cpp ends it (seek + seek_delta, a whole window), but not past the audio. whisper.cpp
// gives the same t1 unclamped, and a t0 made from the first token's best timestamp, which is
// none here (greedy decoding then puts t0 about 1000 s before the window).
void AddWindowSegment(const WhisperVocab& v, const Sequence& seq, int seek, int seek_end,
                      std::vector<Segment>& out) {
  std::string text;
  for (const TokenInfo& t : seq.tokens) {
    if (t.id < v.eot) text += t.text;
  }
  if (text.empty()) return;
  const int64_t t1 = std::min(seek + seq.seek_delta, seek_end);
  out.push_back({seek, t1, text, seq.tokens});
}

std::vector<int32_t> TaskTokens(const WhisperVocab& v, const std::string& language, bool translate,
                                bool no_timestamps) {
  std::vector<int32_t> init = {v.sot};
  if (v.multilingual()) {
    init.push_back(v.sot + 1 + LanguageIndex(language));
    init.push_back(translate ? v.translate : v.transcribe);
  }
  if (no_timestamps) init.push_back(v.no_timestamps);
  return init;
}

// Everything one Transcribe call carries from window to window.
struct Run {
  const WhisperModel& m;
  const TranscribeOptions& o;
  std::vector<float> temps;
  std::vector<int32_t> init;
  std::vector<Slot> slots;
  History history;
  int seek = 0, seek_end = 0;
  bool no_timestamps = false;
};

// The chosen candidate's segments (none when the window looks silent), each handed to
// on_segment as it is added.
Status EmitSegments(Run& r, const Sequence& b, bool silent, float no_speech, float t,
                    Transcript& out) {
  const size_t first_new = out.segments.size();
  if (!silent && r.no_timestamps) {
    AddWindowSegment(r.m.vocab(), b, r.seek, r.seek_end, out.segments);
  } else if (!silent) {
    AddSegments(r.m.vocab(), b, r.seek, out.segments);
  }
  for (size_t i = first_new; i < out.segments.size(); ++i) {
    out.segments[i].seek = r.seek;
    out.segments[i].no_speech_prob = no_speech;
    out.segments[i].temperature = t;
    if (r.o.on_segment && !r.o.on_segment(out.segments[i])) {
      return Status::Cancelled("transcribe: stopped by the caller");
    }
  }
  return Status::Ok();
}

// Decodes the window at `seek` (temperature fallback included) and moves seek past it.
Status DecodeWindow(ThreadPool& pool, Run& r, std::span<const float> enc, Transcript& out) {
  const WhisperVocab& v = r.m.vocab();
  // Little audio left: the previous text tends to make the model repeat itself.
  if (r.seek > 0 && r.seek + 500 >= r.seek_end) r.history.past.clear();
  WhisperDecoder dec(pool, r.m, enc, int(r.slots.size()));
  int best = 0;
  float no_speech = 0, t = 0;
  std::vector<int32_t> prompt;
  for (size_t it = 0; it < r.temps.size(); ++it) {
    t = r.temps[it];
    internal::SearchOptions so{.temperature = t,
                               .n_decoders = DecodersAt(r.o, t),
                               .beam_size = r.o.beam_size > 1 ? r.o.beam_size : 0,
                               .seek = r.seek,
                               .seek_end = r.seek_end,
                               .n_alt = r.o.n_alternatives,
                               .no_timestamps = r.no_timestamps};
    prompt = BuildPrompt(v, r.history, r.init, t);
    Result<float> ns = internal::SearchWindow(r.m, dec, prompt, so, r.slots);
    if (!ns.ok()) return ns.status();
    no_speech = *ns;
    if (!RankCandidates(r.slots, so.n_decoders, it + 1 == r.temps.size(), no_speech, &best)) break;
  }
  Sequence& b = r.slots[best].seq;
  const bool silent = no_speech > kNoSpeechThold && b.avg_logprobs < kLogprobThold;
  UpdateHistory(v, prompt, r.init.size(), b, silent, r.history);
  INFERNO_RETURN_IF_ERROR(EmitSegments(r, b, silent, no_speech, t, out));
  const size_t n = b.tokens.size();
  if (n > 1 && b.tokens[n - 2].id < v.timestamp_begin && b.tokens[n - 1].id > v.timestamp_begin) {
    b.seek_delta = std::min(r.seek_end - r.seek, kWindow);  // a single timestamp ending
  }
  r.seek += b.seek_delta;
  return Status::Ok();
}

}  // namespace

std::string Transcript::Text() const {
  std::string s;
  for (const Segment& seg : segments) s += seg.text;
  return s;
}

Status ValidateOptions(const TranscribeOptions& o) {
  if (o.beam_size < 1 || o.beam_size > kMaxDecoders || o.best_of < 1 || o.best_of > kMaxDecoders) {
    return Status::InvalidArgument("beam size and best-of must be 1 to 8");
  }
  if (!(o.temperature >= 0 && o.temperature <= 1) ||
      !(o.temperature_inc >= 0 && o.temperature_inc <= 1)) {
    return Status::InvalidArgument("temperature and its increment must be 0 to 1");
  }
  if (o.prompt.size() > kMaxPromptBytes) {
    return Status::InvalidArgument("the prompt is longer than " + std::to_string(kMaxPromptBytes) +
                                   " bytes");
  }
  if (o.language != "auto" && LanguageIndex(o.language) < 0) {
    return Status::InvalidArgument("unknown language '" + o.language + "'");
  }
  return Status::Ok();
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

bool FirstReleaseDistil(const WhisperHparams& hp) {
  return hp.n_text_layer == 2 && hp.n_vocab != 51866;
}

Result<Transcript> Transcribe(ThreadPool& pool, const WhisperModel& m,
                              std::span<const float> samples, const TranscribeOptions& o) {
  INFERNO_RETURN_IF_ERROR(ValidateOptions(o));
  Transcript out;
  out.language = o.language;
  out.no_timestamps = o.no_timestamps || FirstReleaseDistil(m.hparams());
  if (out.no_timestamps && !o.no_timestamps) {
    std::fprintf(stderr,
                 "inferno: transcribe: two decoder layers, a first-release distilled model: "
                 "decoding without timestamps (as whisper.cpp forces no_timestamps)\n");
  }
  if (samples.empty()) return out;
  const LogMel mel = ComputeLogMel(pool, samples, m.file().filters());
  Run r{.m = m,
        .o = o,
        .temps = Temperatures(o),
        .seek_end = mel.n_len_org,
        .no_timestamps = out.no_timestamps};
  r.slots.resize(size_t(std::max({o.beam_size, o.best_of, 1})));
  for (size_t j = 0; j < r.slots.size(); ++j) r.slots[j].rng.seed(uint32_t(j));
  r.history.max_ctx =
      std::min(o.max_context < 0 ? 16384 : o.max_context, m.hparams().n_text_ctx / 2);
  if (!o.prompt.empty()) r.history.past = m.vocab().Tokenize(o.prompt);
  while (r.seek + kDeltaMin < r.seek_end) {
    const std::vector<float> enc = RunEncoder(pool, m, mel.Window(r.seek));
    if (out.language == "auto") {
      Result<std::string> lang = DetectLanguage(pool, m, enc);
      if (!lang.ok()) return lang.status();
      out.language = *lang;
    }
    if (r.init.empty()) {
      r.init = TaskTokens(m.vocab(), out.language, o.translate, out.no_timestamps);
    }
    INFERNO_RETURN_IF_ERROR(DecodeWindow(pool, r, enc, out));
  }
  return out;
}

}  // namespace inferno::audio
