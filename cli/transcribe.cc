// `inferno transcribe -m MODEL AUDIO... [--json] [--srt|--vtt] [--language L] [--translate]
// [--beam-size N] [--best-of N] [--temperature T] [--no-fallback] [--max-context N]
// [--prompt TEXT] [--no-timestamps]`: speech to text with a whisper.cpp model file or its GGUF
// form (engine/audio), decoding options and defaults as whisper-cli's. Prints whisper-cli's
// timestamped lines by default (with --no-timestamps, or a first-release distilled model,
// which whisper.cpp decodes without timestamps, the text alone, as whisper-cli -nt; --srt and
// --vtt then give one cue per 30 s window); --json gives the segments with every token, its
// probability and its top alternatives (the debugger's view of a transcription). Several files are
// transcribed one after the other with the model loaded once: --json then prints one line per
// file (with its "file"), the other formats a "==> FILE <==" line before each.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/audio/audio.h"
#include "engine/audio/transcript_format.h"
#include "engine/threads/thread_pool.h"
#include "server/transcription_api.h"

namespace inferno::cli {
namespace {

namespace json = boost::json;

struct TranscribeFlags {
  std::string model, language = "en";
  std::vector<std::string> audio;
  bool translate = false, json = false, srt = false, vtt = false, no_fallback = false;
  int threads = 0;
  audio::TranscribeOptions decode;
};

std::string ToJson(const audio::Transcript& t, const audio::WhisperVocab& v, double seconds,
                   const std::string& file) {
  json::array segs;
  for (const audio::Segment& s : t.segments) {
    json::array toks;
    for (const audio::TokenInfo& tok : s.tokens)
      toks.push_back(server::TranscriptTokenJson(tok, v));
    segs.push_back(json::object{
        {"start", s.t0 / 100.0}, {"end", s.t1 / 100.0}, {"text", s.text}, {"tokens", toks}});
  }
  json::object o{{"language", t.language},
                 {"duration", seconds},
                 {"text", t.Text()},
                 {"timestamps", !t.no_timestamps},
                 {"segments", segs}};
  if (!file.empty()) o["file"] = file;
  return json::serialize(o);
}

Status TranscribeOne(ThreadPool& pool, const audio::WhisperModel& model,
                     const audio::TranscribeOptions& o, const TranscribeFlags& f,
                     const std::string& path) {
  Result<audio::Audio> clip = audio::LoadAudioFile(path);
  if (!clip.ok()) return clip.status();
  Result<audio::Transcript> t = audio::Transcribe(pool, model, clip->samples, o);
  if (!t.ok()) return t.status();
  const bool several = f.audio.size() > 1;
  if (f.json) {
    fmt::print("{}\n", ToJson(*t, model.vocab(), clip->seconds(), several ? path : ""));
    return Status::Ok();
  }
  if (several) fmt::print("==> {} <==\n", path);
  if (f.srt) {
    fmt::print("{}", audio::FormatSrt(*t));
  } else if (f.vtt) {
    fmt::print("{}", audio::FormatVtt(*t));
  } else {
    fmt::print("{}", audio::FormatLines(*t));
  }
  return Status::Ok();
}

Status RunTranscribe(const TranscribeFlags& f) {
  audio::TranscribeOptions o = f.decode;
  o.language = f.language;
  o.translate = f.translate;
  if (f.no_fallback) o.temperature_inc = 0;
  INFERNO_RETURN_IF_ERROR(audio::ValidateOptions(o));
  Result<std::unique_ptr<audio::WhisperModel>> model = audio::WhisperModel::Load(f.model);
  if (!model.ok()) return model.status();
  ThreadPool pool(f.threads > 0 ? f.threads : DefaultThreads());
  for (const std::string& path : f.audio) {
    INFERNO_RETURN_IF_ERROR(TranscribeOne(pool, **model, o, f, path));
    std::fflush(stdout);
  }
  return Status::Ok();
}

}  // namespace

void AddTranscribeCommand(CLI::App& root, int* exit_code) {
  auto f = std::make_shared<TranscribeFlags>();
  CLI::App* cmd = root.add_subcommand("transcribe", "Transcribe speech with a Whisper model");
  cmd->add_option("-m,--model", f->model, "whisper.cpp model file (ggml-*.bin) or its GGUF form")
      ->required();
  cmd->add_option("audio", f->audio, "WAV, FLAC, MP3 or OGG (Vorbis/Opus) files")->required();
  cmd->add_option("-l,--language", f->language, "Spoken language code, or auto (default en)");
  cmd->add_flag("--translate", f->translate, "Translate to English");
  cmd->add_option("-t,--threads", f->threads, "Worker threads (0 = all cores)");
  cmd->add_option("--beam-size", f->decode.beam_size,
                  "Beam search width; 1 for greedy (default 5)");
  cmd->add_option("--best-of", f->decode.best_of, "Candidates sampled above temperature 0 (5)");
  cmd->add_option("--temperature", f->decode.temperature, "The first temperature (default 0)");
  cmd->add_flag("--no-fallback", f->no_fallback,
                "Do not decode again at higher temperatures when a window fails");
  cmd->add_option("--max-context", f->decode.max_context,
                  "Previous-window tokens in the prompt (-1: up to half the text context)");
  cmd->add_option("--prompt", f->decode.prompt,
                  "Text the first window follows, as previous text (whisper-cli's --prompt)");
  cmd->add_flag("--no-timestamps", f->decode.no_timestamps,
                "Decode without timestamp tokens (whisper-cli's -nt): one segment per 30 s "
                "window, the text alone unless --json/--srt/--vtt");
  auto* json_flag = cmd->add_flag("--json", f->json, "Segments, tokens, probabilities as JSON");
  auto* srt = cmd->add_flag("--srt", f->srt, "SubRip subtitles");
  auto* vtt = cmd->add_flag("--vtt", f->vtt, "WebVTT subtitles");
  json_flag->excludes(srt)->excludes(vtt);
  srt->excludes(vtt);
  cmd->callback([f, exit_code] {
    const Status st = RunTranscribe(*f);
    if (!st.ok()) fmt::print(stderr, "error: {}\n", st.message());
    *exit_code = st.ok() ? 0 : 1;
  });
}

}  // namespace inferno::cli
