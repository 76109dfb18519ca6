#include "server/transcription_api.h"

#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>

#include "engine/audio/languages.h"
#include "engine/audio/transcript_format.h"
#include "server/multipart.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError Bad(std::string message, std::string param, std::string code = "") {
  return ApiError{400, std::move(message), std::move(param), std::move(code)};
}

std::optional<ApiError> ReadFormat(std::string_view v, TranscriptFormat* out) {
  static constexpr std::pair<std::string_view, TranscriptFormat> kFormats[] = {
      {"json", TranscriptFormat::kJson},
      {"text", TranscriptFormat::kText},
      {"srt", TranscriptFormat::kSrt},
      {"vtt", TranscriptFormat::kVtt},
      {"verbose_json", TranscriptFormat::kVerboseJson}};
  for (const auto& [name, f] : kFormats) {
    if (v == name) {
      *out = f;
      return std::nullopt;
    }
  }
  return Bad("'response_format' must be one of json, text, srt, vtt, verbose_json, got '" +
                 std::string(v) + "'",
             "response_format");
}

std::optional<ApiError> ReadTemperature(std::string_view v, float* out) {
  const std::string s(v);
  char* end = nullptr;
  const double t = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(t) || t < 0 || t > 1) {
    return Bad("'temperature' must be a number between 0 and 1, got '" + s + "'", "temperature");
  }
  *out = float(t);
  return std::nullopt;
}

std::optional<ApiError> ReadBool(std::string_view v, const char* param, bool* out) {
  if (v == "true" || v == "false") {
    *out = v == "true";
    return std::nullopt;
  }
  return Bad(std::string("'") + param + "' must be true or false", param);
}

std::optional<ApiError> ReadField(const FormPart& p, TranscriptionCall* c) {
  const std::string_view v = p.data;
  if (p.name == "model") c->model = std::string(v);
  if (p.name == "response_format") return ReadFormat(v, &c->format);
  if (p.name == "temperature") return ReadTemperature(v, &c->temperature);
  if (p.name == "stream") return ReadBool(v, "stream", &c->stream);
  if (p.name == "prompt") {
    if (v.size() > audio::kMaxPromptBytes) {
      return Bad("'prompt' is longer than " + std::to_string(audio::kMaxPromptBytes) + " bytes",
                 "prompt");
    }
    c->prompt = std::string(v);
  }
  if (p.name == "language" && !c->translate) {
    if (audio::LanguageIndex(v) < 0) {
      return Bad("'language' must be an ISO-639-1 code Whisper knows (en, de, ...), got '" +
                     std::string(v) + "'",
                 "language");
    }
    c->language = std::string(v);
  }
  if (p.name == "timestamp_granularities[]" || p.name == "timestamp_granularities") {
    if (v != "word" && v != "segment") {
      return Bad(
          "'timestamp_granularities[]' values are word and segment, got '" + std::string(v) + "'",
          "timestamp_granularities");
    }
    (v == "word" ? c->word_times : c->segment_times) = true;
  }
  if (p.name == "include[]" || p.name == "include") {
    if (v != "logprobs") {
      return Bad("'include[]' takes only logprobs, got '" + std::string(v) + "'", "include");
    }
    c->logprobs = true;
  }
  return std::nullopt;
}

// What OpenAI refuses in combination.
std::optional<ApiError> CheckCombination(const TranscriptionCall& c) {
  if (c.word_times && c.format != TranscriptFormat::kVerboseJson) {
    return Bad("'timestamp_granularities[]' needs response_format verbose_json",
               "timestamp_granularities");
  }
  if (c.stream && c.format != TranscriptFormat::kJson && c.format != TranscriptFormat::kText) {
    return Bad("'stream' works with response_format json or text", "stream");
  }
  if (c.logprobs && c.format != TranscriptFormat::kJson) {
    return Bad("'include[]': logprobs needs response_format json", "include");
  }
  return std::nullopt;
}

std::string LeftTrimmed(std::string s) {
  const size_t i = s.find_first_not_of(" \t\n");
  return i == std::string::npos ? std::string() : s.substr(i);
}

double AverageLogprob(const audio::Segment& s) {
  if (s.tokens.empty()) return 0;
  double sum = 0;
  for (const audio::TokenInfo& t : s.tokens) sum += t.plog;
  return sum / double(s.tokens.size());
}

bool IsText(const audio::TokenInfo& t, const audio::WhisperVocab& v) { return t.id < v.eot; }

// OpenAI's logprobs entries: the token's text, its log-probability and its bytes.
json::array Logprobs(const audio::Transcript& t, const audio::WhisperVocab& v,
                     const audio::Segment* only = nullptr) {
  json::array out;
  for (const audio::Segment& s : t.segments) {
    if (only != nullptr && &s != only) continue;
    for (const audio::TokenInfo& tok : s.tokens) {
      if (!IsText(tok, v)) continue;
      json::array bytes;
      for (unsigned char ch : tok.text) bytes.push_back(int(ch));
      out.push_back(json::object{{"token", tok.text}, {"logprob", tok.plog}, {"bytes", bytes}});
    }
  }
  return out;
}

json::object Usage(double seconds) {
  return {{"type", "duration"}, {"seconds", int64_t(std::ceil(seconds))}};
}

std::string LanguageName(const std::string& code) {
  const int i = audio::LanguageIndex(code);
  return i < 0 ? code : std::string(audio::LanguageNames()[i]);
}

json::object VerboseSegment(const audio::Segment& s, int id) {
  json::array ids;
  for (const audio::TokenInfo& t : s.tokens) ids.push_back(t.id);
  return {{"id", id},
          {"seek", s.seek},
          {"start", s.t0 / 100.0},
          {"end", s.t1 / 100.0},
          {"text", s.text},
          {"tokens", std::move(ids)},
          {"temperature", std::round(double(s.temperature) * 1e4) / 1e4},
          {"avg_logprob", AverageLogprob(s)},
          {"compression_ratio", CompressionRatio(s.text)},
          {"no_speech_prob", s.no_speech_prob}};
}

std::string VerboseJson(const TranscriptionCall& c, const audio::Transcript& t,
                        const audio::WhisperVocab& v, double seconds) {
  json::object o{{"task", c.translate ? "translate" : "transcribe"},
                 {"language", LanguageName(t.language)},
                 {"duration", seconds},
                 {"text", LeftTrimmed(t.Text())}};
  json::array segments, words;
  for (size_t i = 0; i < t.segments.size(); ++i) {
    segments.push_back(VerboseSegment(t.segments[i], int(i)));
    for (const Word& w : SegmentWords(t.segments[i], v)) {
      words.push_back(json::object{{"word", w.word}, {"start", w.start}, {"end", w.end}});
    }
  }
  // OpenAI leaves out the granularity not asked for when words are; segments are the default.
  if (!c.word_times || c.segment_times) o["segments"] = std::move(segments);
  if (c.word_times) o["words"] = std::move(words);
  o["usage"] = Usage(seconds);
  return json::serialize(o);
}

std::string Sse(const json::object& o) { return "data: " + json::serialize(o) + "\n\n"; }

}  // namespace

std::optional<ApiError> ParseTranscriptionCall(std::string_view content_type, std::string_view body,
                                               bool translate, TranscriptionCall* out) {
  out->translate = translate;
  Result<std::string> boundary = MultipartBoundary(content_type);
  if (!boundary.ok()) return Bad(boundary.status().message(), "");
  Result<std::vector<FormPart>> parts = ParseMultipart(body, *boundary);
  if (!parts.ok()) {
    const bool too_large = parts.status().code() == Status::Code::kOutOfRange;
    return ApiError{too_large ? 413 : 400, "multipart body: " + parts.status().message(), "", ""};
  }
  const FormPart* file = FindPart(*parts, "file");
  if (file == nullptr || file->data.empty()) {
    return Bad("'file' is required: the audio to transcribe, as a multipart file part", "file");
  }
  out->file = std::string(file->data);
  for (const FormPart& p : *parts) {
    if (auto err = ReadField(p, out)) return err;
  }
  return CheckCombination(*out);
}

double CompressionRatio(std::string_view text) {
  if (text.empty()) return 0;
  uLongf n = compressBound(uLong(text.size()));
  std::vector<Bytef> out(n);
  if (compress2(out.data(), &n, reinterpret_cast<const Bytef*>(text.data()), uLong(text.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    return 0;
  }
  return double(text.size()) / double(n);
}

std::vector<Word> SegmentWords(const audio::Segment& s, const audio::WhisperVocab& v) {
  size_t total = 0;
  for (const audio::TokenInfo& t : s.tokens)
    total += IsText(t, v) ? std::max<size_t>(1, t.text.size()) : 0;
  std::vector<Word> words;
  if (total == 0) return words;
  const double t0 = s.t0 / 100.0, span = (s.t1 - s.t0) / 100.0;
  size_t done = 0;
  for (const audio::TokenInfo& t : s.tokens) {
    if (!IsText(t, v)) continue;
    const double start = t0 + span * double(done) / double(total);
    done += std::max<size_t>(1, t.text.size());
    const double end = t0 + span * double(done) / double(total);
    const bool starts_word = words.empty() || (!t.text.empty() && t.text[0] == ' ');
    if (starts_word) words.push_back({"", start, end});
    words.back().word += t.text;
    words.back().end = end;
  }
  for (Word& w : words) w.word = LeftTrimmed(w.word);
  std::erase_if(words, [](const Word& w) { return w.word.empty(); });
  return words;
}

std::string TranscriptionBody(const TranscriptionCall& c, const audio::Transcript& t,
                              const audio::WhisperVocab& v, double seconds,
                              std::string* content_type) {
  *content_type = "text/plain; charset=utf-8";
  switch (c.format) {
    case TranscriptFormat::kText:
      return LeftTrimmed(t.Text()) + "\n";
    case TranscriptFormat::kSrt:
      return audio::FormatSrt(t);
    case TranscriptFormat::kVtt:
      *content_type = "text/vtt; charset=utf-8";
      return audio::FormatVtt(t);
    case TranscriptFormat::kVerboseJson:
      *content_type = "application/json";
      return VerboseJson(c, t, v, seconds);
    case TranscriptFormat::kJson:
      break;
  }
  *content_type = "application/json";
  json::object o{{"text", LeftTrimmed(t.Text())}};
  if (c.logprobs) o["logprobs"] = Logprobs(t, v);
  o["usage"] = Usage(seconds);
  return json::serialize(o);
}

json::object TranscriptTokenJson(const audio::TokenInfo& t, const audio::WhisperVocab& v) {
  json::array top;
  for (const auto& [id, p] : t.top) {
    top.push_back(json::object{{"id", id}, {"text", v.Text(id)}, {"p", p}});
  }
  return {{"id", t.id}, {"text", t.text}, {"p", t.p}, {"logprob", t.plog}, {"top", top}};
}

std::string DeltaEvent(const TranscriptionCall& c, const audio::Segment& s, int index, bool first,
                       const audio::WhisperVocab& v) {
  json::array tokens;
  for (const audio::TokenInfo& t : s.tokens) tokens.push_back(TranscriptTokenJson(t, v));
  json::object segment = VerboseSegment(s, index);
  segment["tokens"] = std::move(tokens);
  json::object o{{"type", "transcript.text.delta"},
                 {"delta", first ? LeftTrimmed(s.text) : s.text}};
  if (c.logprobs) {
    audio::Transcript one;
    one.segments.push_back(s);
    o["logprobs"] = Logprobs(one, v);
  }
  o["segment"] = std::move(segment);  // Inferno's: times, tokens with alternatives
  return Sse(o);
}

std::string DoneEvent(const TranscriptionCall& c, const audio::Transcript& t,
                      const audio::WhisperVocab& v, double seconds) {
  json::object o{{"type", "transcript.text.done"}, {"text", LeftTrimmed(t.Text())}};
  if (c.logprobs) o["logprobs"] = Logprobs(t, v);
  o["usage"] = Usage(seconds);
  o["language"] = t.language;
  o["duration"] = seconds;
  return Sse(o);
}

std::string ErrorEvent(const ApiError& e) {
  return "data: " + ErrorBody(e).insert(1, R"("type":"error",)") + "\n\n";
}

}  // namespace inferno::server
