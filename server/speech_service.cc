#include "server/speech_service.h"

#include <algorithm>
#include <span>

#include "engine/audio/audio.h"

namespace inferno::server {

bool SpeechRun::Push(audio::Segment segment, std::shared_ptr<const audio::WhisperModel> model) {
  PushItem(Item{.segment = std::move(segment), .model = std::move(model)});
  return !abandoned();
}

void SpeechRun::Finish(SpeechOutcome outcome) { PushItem(Item{.outcome = std::move(outcome)}); }

void SpeechRun::Fail(ApiError error) { PushItem(Item{.error = std::move(error)}); }

void SpeechRun::PushItem(Item item) {
  {
    MutexLock lock(&mu_);
    items_.push_back(std::move(item));
  }
  cv_.Signal();
}

SpeechRun::Item SpeechRun::Next() {
  MutexLock lock(&mu_);
  while (items_.empty()) cv_.Wait(&mu_);
  Item item = std::move(items_.front());
  items_.pop_front();
  return item;
}

void SpeechRun::Abandon() {
  MutexLock lock(&mu_);
  abandoned_ = true;
}

bool SpeechRun::abandoned() {
  MutexLock lock(&mu_);
  return abandoned_;
}

SpeechService::SpeechService(SpeechModels& models, int threads, int max_queue)
    : models_(models), threads_(threads), max_queue_(max_queue) {
  worker_ = std::thread([this] { Loop(); });
}

SpeechService::~SpeechService() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [job, run] : jobs_) run->Fail({503, "the server is stopping", "", "unavailable"});
    jobs_.clear();
  }
  cv_.SignalAll();
  worker_.join();
}

std::shared_ptr<SpeechRun> SpeechService::Submit(SpeechJob job, std::string* refusal) {
  auto run = std::make_shared<SpeechRun>();
  {
    MutexLock lock(&mu_);
    if (int(jobs_.size()) >= max_queue_) {
      *refusal = std::to_string(jobs_.size()) +
                 " transcriptions are already waiting (the server's --max-queue)";
      return nullptr;
    }
    jobs_.emplace_back(std::move(job), run);
  }
  cv_.Signal();
  return run;
}

void SpeechService::Loop() {
  for (;;) {
    std::pair<SpeechJob, std::shared_ptr<SpeechRun>> next;
    {
      MutexLock lock(&mu_);
      while (jobs_.empty() && !stopping_) cv_.Wait(&mu_);
      if (stopping_) return;
      next = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (!pool_)
      pool_ = std::make_unique<ThreadPool>(
          threads_ > 0 ? threads_ : int(std::max(1u, std::thread::hardware_concurrency())));
    if (!next.second->abandoned()) Run(next.first, *next.second);
  }
}

namespace {

// What a model cannot do with these options, checked before any audio is decoded.
std::optional<ApiError> CheckOptions(const audio::WhisperModel& m,
                                     const audio::TranscribeOptions& o) {
  if (m.vocab().multilingual()) return std::nullopt;
  if (o.translate) {
    return ApiError{400, "this speech model is English-only: it cannot translate", "model", ""};
  }
  if (o.language != "en" && o.language != "auto") {
    return ApiError{
        400, "this speech model is English-only: 'language' must be en, got '" + o.language + "'",
        "language", ""};
  }
  return std::nullopt;
}

}  // namespace

void SpeechService::Run(SpeechJob& job, SpeechRun& run) {
  Result<std::shared_ptr<const audio::WhisperModel>> model = models_.Acquire(job.model_id);
  if (!model.ok()) {
    run.Fail({500, model.status().message(), "model", "model_load_failed"});
    return;
  }
  std::shared_ptr<const audio::WhisperModel> m = *model;
  if (job.options.language.empty())
    job.options.language = m->vocab().multilingual() ? "auto" : "en";
  if (auto err = CheckOptions(*m, job.options)) {
    run.Fail(*err);
    return;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(job.audio.data());
  Result<audio::Audio> clip = audio::DecodeAudio(std::span(bytes, job.audio.size()));
  std::string().swap(job.audio);  // the encoded bytes are no longer needed
  if (!clip.ok()) {
    run.Fail({400, "file: " + clip.status().message(), "file", "invalid_audio"});
    return;
  }
  job.options.on_segment = [&run, &m](const audio::Segment& s) { return run.Push(s, m); };
  Result<audio::Transcript> t = audio::Transcribe(*pool_, *m, clip->samples, job.options);
  if (!t.ok()) {
    run.Fail({500, t.status().message(), "", "transcription_failed"});
    return;
  }
  run.Finish({std::move(m), std::move(t).value(), clip->seconds()});
}

}  // namespace inferno::server
