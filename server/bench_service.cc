#include "server/bench_service.h"

#include <boost/json.hpp>
#include <filesystem>

#include "bench/machine.h"
#include "bench/suite.h"
#include "server/bench_json.h"
#include "server/load_sweep.h"
#include "store/timestamps.h"

namespace inferno::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The suite's run id and log directory name: the start time, with a suffix when a run
// already used that second.
std::string RunKey(const std::string& log_root) {
  const std::string base = bench::NewRunId();
  std::string key = base;
  std::error_code ec;
  for (int n = 2; fs::exists(fs::path(log_root) / key, ec); ++n) {
    key = base + "-" + std::to_string(n);
  }
  return key;
}

}  // namespace

void BenchJob::Push(std::string event) {
  {
    MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  cv_.SignalAll();
}

void BenchJob::Close() {
  {
    MutexLock lock(&mu_);
    closed_ = true;
  }
  cv_.SignalAll();
}

std::vector<std::string> BenchJob::Wait(size_t* next, std::chrono::milliseconds timeout,
                                        bool* finished) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (!closed_ && events_.size() <= *next) {
    if (!cv_.WaitUntil(&mu_, deadline)) break;
  }
  std::vector<std::string> out(events_.begin() + std::min(*next, events_.size()), events_.end());
  *next = events_.size();
  *finished = closed_;
  return out;
}

BenchService::BenchService(BenchServiceOptions options, store::BenchRuns& runs)
    : options_(std::move(options)), runs_(runs) {
  (void)runs_.FailRunningBenchRuns("interrupted: the server stopped during the run");
}

BenchService::~BenchService() {
  std::thread t;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    if (job_) job_->cancel = true;
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

Result<std::shared_ptr<BenchJob>> BenchService::Start(const BenchRequest& request) {
  MutexLock lock(&mu_);
  if (job_) {
    return Status::AlreadyExists("benchmark run " + std::to_string(job_->id()) +
                                 " is still running; one run at a time (wait for it, or cancel "
                                 "it with POST /bench/runs/" +
                                 std::to_string(job_->id()) + "/cancel)");
  }
  if (thread_.joinable()) thread_.join();  // the previous run's thread, already finished

  const bench::MachineInfo machine = bench::DetectMachine();
  store::BenchRun run = store::NewBenchRun("server", RunKey(options_.log_root), machine);
  run.threads = request.threads;
  run.models = request.model_ids;
  run.category = request.category;
  run.prompt_sizes = request.prompt_sizes;
  run.repetitions = request.repetitions;
  run.generate_tokens = request.generate_tokens;
  run.concurrency = request.concurrency;
  Result<int64_t> id = runs_.CreateBenchRun(run);
  if (!id.ok()) return id.status();
  run.id = *id;

  auto job = std::make_shared<BenchJob>(run.id);
  job->Push(SseEvent("start", json::object{{"run", BenchRunJson(run, /*with_rows=*/false)}}));
  job_ = job;
  thread_ = std::thread([this, job, request, run] { Run(job, request, run); });
  return job;
}

std::shared_ptr<BenchJob> BenchService::Running(int64_t id) {
  MutexLock lock(&mu_);
  return job_ && job_->id() == id ? job_ : nullptr;
}

Status BenchService::Cancel(int64_t id) {
  MutexLock lock(&mu_);
  if (!job_ || job_->id() != id) {
    return Status::NotFound("benchmark run " + std::to_string(id) + " is not running");
  }
  job_->cancel = true;
  return Status::Ok();
}

Status BenchService::RunLoad(BenchJob& job, const BenchRequest& request, const store::BenchRun& run,
                             int* rows, std::string* store_error) {
  const bench::MachineInfo machine = bench::DetectMachine();
  const int n_models = int(request.targets.size());
  Status last;
  for (int mi = 0; mi < n_models; ++mi) {
    const RemoteTarget& t = request.targets[size_t(mi)];
    LoadSweepOptions lo;
    lo.base_url = t.base_url;
    lo.api_key = t.api_key;
    lo.model = t.model;
    lo.concurrency = request.concurrency;
    lo.requests = request.requests;
    lo.prompt_words = request.prompt_sizes.empty() ? 64 : request.prompt_sizes.front();
    lo.max_tokens = request.generate_tokens;
    lo.timeouts = request.timeouts;
    lo.cancel = &job.cancel;
    auto progress = [&](const LoadProgress& p) {
      // The suite's progress event, its steps being thousandths of the model's levels.
      bench::SuiteProgress sp;
      sp.category = "load";
      sp.model = t.public_id;
      sp.model_index = mi;
      sp.model_count = n_models;
      sp.phase = "measuring";
      sp.steps = p.level_count * 1000;
      sp.step = p.level_index * 1000 + p.done * 1000 / std::max(1, p.requests);
      json::object o = BenchProgressJson(run.id, sp, 1);
      o["concurrency"] = p.concurrency;
      o["done"] = p.done;
      o["requests"] = p.requests;
      job.Push(SseEvent("progress", o));
    };
    auto on_row = [&](const bench::SuiteRow& row) {
      ++*rows;
      if (Status st = runs_.AddBenchResult(run.id, row); !st.ok() && store_error->empty()) {
        *store_error = st.message();
      }
      job.Push(SseEvent("result", json::object{{"run_id", run.id}, {"row", BenchRowJson(row)}}));
    };
    last = RunLoadSweepRows(lo, t.public_id, run.run_key, machine, on_row, progress);
    if (last.code() == Status::Code::kCancelled) return last;
  }
  // As the suite: a model that failed is a failed row, the run goes on; with one model, its
  // failure is the run's.
  return n_models == 1 ? last : Status::Ok();
}

void BenchService::Run(std::shared_ptr<BenchJob> job, BenchRequest request, store::BenchRun run) {
  if (request.category == "load") {
    int rows = 0;
    std::string store_error;
    const Status st = RunLoad(*job, request, run, &rows, &store_error);
    Finish(job, run, st, rows, store_error);
    return;
  }
  bench::SuiteOptions so;
  so.category = request.category;
  so.models = request.model_paths;
  so.mmprojs = request.mmproj_paths;
  so.labels = request.model_ids;
  if (so.category != "text") {
    const std::string& given = so.category == "image" ? options_.image_file : options_.audio_file;
    so.media_file = given.empty() ? bench::DefaultMediaFile(so.category) : given;
  }
  so.prompt_sizes = request.prompt_sizes;
  so.generate_tokens = request.generate_tokens;
  so.repetitions = request.repetitions;
  so.threads = request.threads;
  so.worker_binary = options_.worker_binary;
  so.csv_path = "";  // the history is the store; benchmarks/results.csv is the CLI's
  so.log_root = options_.log_root;
  so.run_id = run.run_key;
  so.cancel = &job->cancel;
  std::string store_error;
  int rows = 0;
  so.on_row = [&](const bench::SuiteRow& row) {
    ++rows;
    if (Status st = runs_.AddBenchResult(run.id, row); !st.ok() && store_error.empty()) {
      store_error = st.message();
    }
    job->Push(SseEvent("result", json::object{{"run_id", run.id}, {"row", BenchRowJson(row)}}));
  };
  Result<bench::SuiteRun> result = bench::RunSuite(so, [&](const bench::SuiteProgress& p) {
    job->Push(SseEvent("progress", BenchProgressJson(run.id, p, request.repetitions)));
  });

  Finish(job, run, result.status(), rows, store_error);
}

void BenchService::Finish(const std::shared_ptr<BenchJob>& job, const store::BenchRun& run,
                          const Status& result, int rows, const std::string& store_error) {
  std::string status = "done", error;
  if (!result.ok()) {
    const bool cancelled = result.code() == Status::Code::kCancelled;
    status = cancelled ? "cancelled" : "failed";
    error = !cancelled ? result.message() : stopping_ ? "the server stopped during the run" : "";
  } else if (!store_error.empty()) {
    status = "failed";
    error = "results could not be stored: " + store_error;
  }
  (void)runs_.FinishBenchRun(run.id, status, error);
  {
    // Free the slot before the followers hear the end, so a client that starts the next
    // run as soon as it sees `done` is not refused.
    MutexLock lock(&mu_);
    job_.reset();
  }
  if (status == "failed") {
    job->Push(SseEvent("error",
                       json::object{{"run_id", run.id}, {"status", status}, {"message", error}}));
  } else {
    job->Push(
        SseEvent("done", json::object{{"run_id", run.id}, {"status", status}, {"rows", rows}}));
  }
  job->Close();
}

}  // namespace inferno::server
