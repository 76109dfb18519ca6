// Transcription as whisper.cpp's whisper_full does it: the audio's log-mel in 30 s windows, each
// encoded once and decoded after [<|startofprev|> previous text] <|startoftranscript|><|lang|>
// <|task|> by greedy or beam search (engine/audio/whisper_search.h) with whisper.cpp's rules
// (whisper_sampling.h); a window whose best candidate failed (stalled, looped, entropy of its
// last 32 tokens below 2.4) or is unlikely (average log-probability below -1 while <|nospeech|>
// is below 0.6) is decoded again at the next temperature (+0.2 up to 1.0, best-of sampling);
// the chosen candidate is split into segments at timestamp tokens (none when the window looks
// silent), its tokens become the next window's prompt, and the window moves by its last
// timestamp (seek). Without timestamps (TranscribeOptions::no_timestamps) a window is one
// segment and the next one starts 30 s later.
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

// Defaults are whisper-cli's.
struct TranscribeOptions {
  std::string language = "en";   // a code, or "auto" to detect it from the first window
  bool translate = false;        // the <|translate|> task (to English)
  int n_alternatives = 5;        // top alternatives kept per token
  int beam_size = 5;             // > 1: beam search at temperature 0; 1: greedy
  int best_of = 5;               // candidates sampled at temperatures above 0
  float temperature = 0;         // the first temperature
  float temperature_inc = 0.2f;  // the fallback step up to 1.0; 0: no fallback
  // Previous-window tokens in the prompt, at most half the text context; -1 is whisper.cpp's
  // default (16384, so that half), 0 none.
  int max_context = -1;
  // whisper.cpp's no_timestamps (whisper-cli -nt): the prompt ends with <|notimestamps|>, no
  // timestamp token is decoded, each window gives one segment (from the window's start to its
  // end or the audio's) and the next window starts a whole window later. Forced for
  // first-release distilled models (FirstReleaseDistil), as whisper.cpp does.
  bool no_timestamps = false;
  // Text the first window is decoded after, as if it were the previous window's (whisper.cpp's
  // --prompt, initial_prompt): tokenized as whisper.cpp does and kept as prompt history.
  std::string prompt;
  // Called with each segment once its window is decoded (the server streams them); returning
  // false stops the transcription there with Cancelled.
  std::function<bool(const Segment&)> on_segment;
};

// The longest prompt taken, in bytes (the text context holds 224 previous tokens at most).
inline constexpr size_t kMaxPromptBytes = 4096;

// Checks the options' ranges (beam size and best-of 1..8, whisper.cpp's decoder limit;
// temperatures 0..1; a prompt of at most kMaxPromptBytes).
Status ValidateOptions(const TranscribeOptions& o);

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
  float temperature = 0;     // the temperature its window was decoded at (after fallback)
};

struct Transcript {
  std::string language;
  bool no_timestamps = false;  // decoded without timestamps (asked for, or forced)
  std::vector<Segment> segments;
  std::string Text() const;
};

// whisper.cpp's test for the first release of distilled models (distil-large-v2,
// distil-medium.en, distil-small.en), which were trained to decode after <|notimestamps|>: two
// decoder layers and a vocabulary other than large-v3's 51866 tokens. whisper_full then forces
// no_timestamps, and Transcribe does too.
bool FirstReleaseDistil(const WhisperHparams& hp);

Result<Transcript> Transcribe(ThreadPool& pool, const WhisperModel& m,
                              std::span<const float> samples, const TranscribeOptions& options);

// The language whose token is most probable after <|startoftranscript|> on one encoded window
// (whisper_lang_auto_detect); "en" for English-only models.
Result<std::string> DetectLanguage(ThreadPool& pool, const WhisperModel& m,
                                   std::span<const float> encoded);

}  // namespace inferno::audio
