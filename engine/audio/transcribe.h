// Transcription as whisper.cpp's whisper_full does it with greedy sampling at temperature 0 and
// no context carried between windows (no_context): the audio's log-mel in 30 s windows, each
// encoded once and decoded token by token after <|startoftranscript|><|lang|><|task|>, with
// whisper_process_logits' rules (special tokens suppressed, blank/EOT suppressed at the start,
// timestamp tokens paired, the first timestamp at most 1 s, timestamps forced when their summed
// probability beats every text token) and its segment splitting on timestamp tokens; the window
// then moves by the last timestamp (seek). Not yet: temperature fallback, beam search, the
// previous window's text as a prompt.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/audio/whisper_model.h"

namespace inferno::audio {

struct Segment;

struct TranscribeOptions {
  std::string language = "en";  // a code, or "auto" to detect it from the first window
  bool translate = false;       // the <|translate|> task (to English)
  int n_alternatives = 5;       // top alternatives kept per token
  // Called with each segment once its window is decoded (the server streams them); returning
  // false stops the transcription there with Cancelled.
  std::function<bool(const Segment&)> on_segment;
};

struct TokenInfo {
  int32_t id = 0;
  std::string text;
  float p = 0;                                 // probability after the rules
  float plog = 0;                              // its log
  int32_t tid = 0;                             // the most probable timestamp token at this step
  std::vector<std::pair<int32_t, float>> top;  // (id, probability), best first
};

struct Segment {
  int64_t t0 = 0, t1 = 0;  // centiseconds, as whisper.cpp's segment times
  std::string text;
  std::vector<TokenInfo> tokens;
  int64_t seek = 0;          // its window's start, centiseconds
  float no_speech_prob = 0;  // its window's <|nospeech|> probability
};

struct Transcript {
  std::string language;
  std::vector<Segment> segments;
  std::string Text() const;
};

Result<Transcript> Transcribe(ThreadPool& pool, const WhisperModel& m,
                              std::span<const float> samples, const TranscribeOptions& options);

// The language whose token is most probable after <|startoftranscript|> on one encoded window
// (whisper_lang_auto_detect); "en" for English-only models.
Result<std::string> DetectLanguage(ThreadPool& pool, const WhisperModel& m,
                                   std::span<const float> encoded);

}  // namespace inferno::audio
