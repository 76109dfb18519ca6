// `inferno transcribe -m MODEL AUDIO [--json] [--srt|--vtt] [--language L] [--translate]`:
// speech to text with a whisper.cpp model file (engine/audio). Prints whisper-cli's timestamped
// lines by default; --json gives the segments with every token, its probability and its top
// alternatives (the debugger's view of a transcription).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

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
  std::string model, audio, language = "en";
  bool translate = false, json = false, srt = false, vtt = false;
  int threads = 0;
};

std::string ToJson(const audio::Transcript& t, const audio::WhisperVocab& v, double seconds) {
  json::array segs;
  for (const audio::Segment& s : t.segments) {
    json::array toks;
    for (const audio::TokenInfo& tok : s.tokens)
      toks.push_back(server::TranscriptTokenJson(tok, v));
    segs.push_back(json::object{
        {"start", s.t0 / 100.0}, {"end", s.t1 / 100.0}, {"text", s.text}, {"tokens", toks}});
  }
  return json::serialize(json::object{
      {"language", t.language}, {"duration", seconds}, {"text", t.Text()}, {"segments", segs}});
}

Status RunTranscribe(const TranscribeFlags& f) {
  Result<std::unique_ptr<audio::WhisperModel>> model = audio::WhisperModel::Load(f.model);
  if (!model.ok()) return model.status();
  Result<audio::Audio> clip = audio::LoadAudioFile(f.audio);
  if (!clip.ok()) return clip.status();
  ThreadPool pool(f.threads > 0 ? f.threads : DefaultThreads());
  Result<audio::Transcript> t = audio::Transcribe(
      pool, **model, clip->samples, {.language = f.language, .translate = f.translate});
  if (!t.ok()) return t.status();
  if (f.json) {
    fmt::print("{}\n", ToJson(*t, (*model)->vocab(), clip->seconds()));
  } else if (f.srt) {
    fmt::print("{}", audio::FormatSrt(*t));
  } else if (f.vtt) {
    fmt::print("{}", audio::FormatVtt(*t));
  } else {
    fmt::print("{}", audio::FormatLines(*t));
  }
  return Status::Ok();
}

}  // namespace

void AddTranscribeCommand(CLI::App& root, int* exit_code) {
  auto f = std::make_shared<TranscribeFlags>();
  CLI::App* cmd = root.add_subcommand("transcribe", "Transcribe speech with a Whisper model");
  cmd->add_option("-m,--model", f->model, "whisper.cpp model file (ggml-*.bin)")->required();
  cmd->add_option("audio", f->audio, "WAV, FLAC, MP3 or OGG (Vorbis/Opus) file")->required();
  cmd->add_option("-l,--language", f->language, "Spoken language code, or auto (default en)");
  cmd->add_flag("--translate", f->translate, "Translate to English");
  cmd->add_option("-t,--threads", f->threads, "Worker threads (0 = all cores)");
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
