// Runs transcriptions for the HTTP routes on a worker thread of its own, with a thread pool of
// its own for the kernels: decoding the upload, loading the model and transcribing never run on
// a connection's thread (which only waits and writes) nor on a chat model's scheduler thread.
// Jobs run one at a time, in arrival order; at most `max_queue` wait. Each job hands its
// segments (as each 30 s window is decoded) and then its end to a SpeechRun, which the
// connection thread reads; a reader that gives up stops the job at the next window.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "engine/audio/transcribe.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/thread_annotations.h"
#include "server/openai.h"
#include "server/speech_models.h"

namespace inferno::server {

struct SpeechJob {
  std::string model_id;              // resolved (SpeechModels::Resolve)
  std::string audio;                 // the uploaded file's bytes
  audio::TranscribeOptions options;  // language "": "auto" for multilingual models, else "en"
};

struct SpeechOutcome {
  std::shared_ptr<const audio::WhisperModel> model;  // keeps the vocabulary alive
  audio::Transcript transcript;
  double seconds = 0;  // the audio's duration
};

// One job's results, from the worker to the connection thread.
class SpeechRun {
 public:
  struct Item {
    std::optional<audio::Segment> segment;             // a segment, or else the end:
    std::shared_ptr<const audio::WhisperModel> model;  // with each segment too
    std::optional<SpeechOutcome> outcome;              // the result, or
    std::optional<ApiError> error;                     // why there is none
  };
  // Worker side. False once the reader abandoned the run.
  bool Push(audio::Segment segment, std::shared_ptr<const audio::WhisperModel> model) EXCLUDES(mu_);
  void Finish(SpeechOutcome outcome) EXCLUDES(mu_);
  void Fail(ApiError error) EXCLUDES(mu_);
  // Reader side: blocks for the next item; the last has `outcome` or `error`.
  Item Next() EXCLUDES(mu_);
  void Abandon() EXCLUDES(mu_);
  bool abandoned() EXCLUDES(mu_);

 private:
  void PushItem(Item item) EXCLUDES(mu_);
  Mutex mu_;
  CondVar cv_;
  std::deque<Item> items_ GUARDED_BY(mu_);
  bool abandoned_ GUARDED_BY(mu_) = false;
};

class SpeechService {
 public:
  // `threads`: the kernels' pool (0: every hardware thread). `models` must outlive this.
  SpeechService(SpeechModels& models, int threads, int max_queue);
  ~SpeechService();  // the running job stops at its next window; waiting ones fail

  SpeechModels& models() { return models_; }

  // Queues a job, or returns null with *refusal naming the limit when max_queue are waiting.
  std::shared_ptr<SpeechRun> Submit(SpeechJob job, std::string* refusal) EXCLUDES(mu_);

 private:
  void Loop() EXCLUDES(mu_);
  void Run(SpeechJob& job, SpeechRun& run);

  SpeechModels& models_;
  const int threads_;
  const int max_queue_;
  std::unique_ptr<ThreadPool> pool_;  // made by the worker at its first job
  Mutex mu_;
  CondVar cv_;
  std::deque<std::pair<SpeechJob, std::shared_ptr<SpeechRun>>> jobs_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace inferno::server
