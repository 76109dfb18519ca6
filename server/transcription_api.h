// OpenAI's /v1/audio/transcriptions and /v1/audio/translations without I/O: the multipart form
// read into a TranscriptionCall (errors naming the field, as OpenAI's), and a Transcript
// written as each response_format (json, text, srt, vtt, verbose_json with segments and
// words) and as the stream's server-sent events (transcript.text.delta / .done).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/audio/transcribe.h"
#include "server/openai.h"

namespace boost::json {
class object;
}

namespace inferno::server {

enum class TranscriptFormat { kJson, kText, kSrt, kVtt, kVerboseJson };

struct TranscriptionCall {
  bool translate = false;  // /v1/audio/translations
  std::string model;       // "" when not given
  std::string file;        // the upload's bytes
  std::string language;    // ISO-639-1, "" when not given
  TranscriptFormat format = TranscriptFormat::kJson;
  bool word_times = false;     // timestamp_granularities[] has "word"
  bool segment_times = false;  // ... "segment" (verbose_json has segments either way)
  bool stream = false;
  bool logprobs = false;  // include[] has "logprobs"
  // Whisper's first temperature, raised by 0.2 up to 1 for a window that fails (OpenAI's
  // "temperature": 0 is temperature 0 with that fallback).
  float temperature = 0;
  std::string prompt;  // decoded before the first window as previous text (whisper-cli --prompt)
};

// Reads the form. 400 (413 for the upload limit) with `param` naming the field.
std::optional<ApiError> ParseTranscriptionCall(std::string_view content_type, std::string_view body,
                                               bool translate, TranscriptionCall* out);

struct Word {
  std::string word;
  double start = 0, end = 0;  // seconds
};

// The segment's words (text tokens joined at the spaces that start them), the segment's time
// shared among its text tokens in proportion to their length in bytes.
std::vector<Word> SegmentWords(const audio::Segment& s, const audio::WhisperVocab& v);

// Whisper's compression_ratio of a text: its bytes over their zlib-compressed size (Python's
// zlib.compress at its default level, as OpenAI's whisper computes it); 0 for no text.
double CompressionRatio(std::string_view text);

// The response body for the call's format, and its Content-Type.
std::string TranscriptionBody(const TranscriptionCall& call, const audio::Transcript& t,
                              const audio::WhisperVocab& v, double seconds,
                              std::string* content_type);

// One token with its probability and alternatives, as `inferno transcribe --json` and the
// stream's "segment" write it.
boost::json::object TranscriptTokenJson(const audio::TokenInfo& t, const audio::WhisperVocab& v);

// Server-sent events: one delta per segment (`first`: its text loses its leading space, so the
// deltas join to the done event's text), then the done event.
std::string DeltaEvent(const TranscriptionCall& call, const audio::Segment& s, int index,
                       bool first, const audio::WhisperVocab& v);
std::string DoneEvent(const TranscriptionCall& call, const audio::Transcript& t,
                      const audio::WhisperVocab& v, double seconds);
std::string ErrorEvent(const ApiError& e);

}  // namespace inferno::server
