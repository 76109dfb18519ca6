// Benchmark runs started over HTTP (POST /bench): one at a time, on a thread of their own,
// each model measured by the benchmark suite in its own `inferno bench-worker` process.
//
// Why a child process per model rather than the chat schedulers or an in-process runner:
// the figures must be the model's own (peak RSS and CPU time come from wait4() of a process
// that only ran that model; the server's loaded models and chat traffic would pollute an
// in-process measurement), the worker has its own thread pool so it never queues behind or
// takes slots from chat sequences, and cancelling is a SIGKILL that cannot leave the
// server's engine state half-done. The run's events are kept in a BenchJob so a client can
// follow them, leave (the run goes on and is stored), or attach again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/util/status.h"
#include "engine/util/thread_annotations.h"
#include "server/remote_registry.h"
#include "store/bench_runs.h"

namespace inferno::server {

struct BenchRequest {
  // text | image | audio (bench/suite.h), or load: a concurrency sweep against the server of
  // each model (server/load_sweep.h), which runs here rather than in a worker process since
  // it measures the server, not this machine.
  std::string category = "text";
  std::vector<std::string> model_ids;     // as the client named them
  std::vector<std::string> model_paths;   // resolved inside the models dir
  std::vector<std::string> mmproj_paths;  // image: each model's vision encoder
  std::vector<int> prompt_sizes;          // tokens, picture long sides (px) or clip seconds
  int repetitions = 1;
  int generate_tokens = 64;
  int threads = 1;
  // load: each model's server (a remote model's endpoint), the levels, requests per level
  // (0: the sweep's default) and the remote timeouts. prompt_sizes holds the prompt's words.
  std::vector<RemoteTarget> targets;
  std::vector<int> concurrency;
  int requests = 0;
  RemoteTimeouts timeouts;
};

// One run's SSE events ("event: ...\ndata: ...\n\n"), in order, for any number of followers.
class BenchJob {
 public:
  explicit BenchJob(int64_t id) : id_(id) {}
  int64_t id() const { return id_; }

  void Push(std::string event) EXCLUDES(mu_);
  void Close() EXCLUDES(mu_);  // the last event has been pushed
  // Events from *next on, waiting up to `timeout` for one; advances *next. *finished is
  // true once every event has been returned.
  std::vector<std::string> Wait(size_t* next, std::chrono::milliseconds timeout, bool* finished)
      EXCLUDES(mu_);

  std::atomic<bool> cancel{false};

 private:
  const int64_t id_;
  Mutex mu_;
  CondVar cv_;  // an event pushed, or closed_
  std::vector<std::string> events_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

struct BenchServiceOptions {
  std::string worker_binary;  // the `inferno` binary (runs `bench-worker`)
  std::string log_root;       // raw worker logs go to <log_root>/<run_key>/
  // image / audio runs: the source picture and recording (bench::DefaultMediaFile when empty).
  std::string image_file, audio_file;
};

class BenchService {
 public:
  // Marks server runs left "running" by a previous process as failed.
  BenchService(BenchServiceOptions options, store::BenchRuns& runs);
  // Cancels a running run (its worker is killed, the run stored as cancelled) and waits.
  ~BenchService();

  // Stores the run and starts it. kAlreadyExists while another run is going.
  Result<std::shared_ptr<BenchJob>> Start(const BenchRequest& request) EXCLUDES(mu_);
  // The running job with this id, or null.
  std::shared_ptr<BenchJob> Running(int64_t id) EXCLUDES(mu_);
  // Asks the running run to stop. kNotFound when `id` is not running.
  Status Cancel(int64_t id) EXCLUDES(mu_);

 private:
  void Run(std::shared_ptr<BenchJob> job, BenchRequest request, store::BenchRun run) EXCLUDES(mu_);
  // The load category's run; its status like RunSuite's (kCancelled when cancelled).
  Status RunLoad(BenchJob& job, const BenchRequest& request, const store::BenchRun& run, int* rows,
                 std::string* store_error);
  // Stores the run's end and tells the followers (done, or error with the message).
  void Finish(const std::shared_ptr<BenchJob>& job, const store::BenchRun& run,
              const Status& result, int rows, const std::string& store_error) EXCLUDES(mu_);

  BenchServiceOptions options_;
  store::BenchRuns& runs_;
  Mutex mu_;
  std::atomic<bool> stopping_{false};              // the server is shutting down
  std::shared_ptr<BenchJob> job_ GUARDED_BY(mu_);  // the running one, or null
  std::thread thread_ GUARDED_BY(mu_);
};

}  // namespace inferno::server
