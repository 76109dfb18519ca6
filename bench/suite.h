// The benchmark suite: every model × every prompt size, repeated, each model measured in its
// own child process (`inferno bench-worker`) so its peak memory and CPU time are its own and
// a model that fails or crashes is recorded as a failure while the suite goes on.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "bench/results_csv.h"
#include "engine/model/model.h"
#include "engine/util/status.h"

namespace inferno::bench {

struct SuiteOptions {
  std::vector<std::string> models;  // GGUF paths
  std::vector<int> prompt_sizes = {50, 100, 200};
  int generate_tokens = 64;
  int repetitions = 3;
  int threads = 0;            // 0 = all cores
  std::string worker_binary;  // the `inferno` binary that runs bench-worker
  std::string csv_path = "benchmarks/results.csv";
  std::string log_root = "logs";  // raw logs go to <log_root>/<run_id>/
  // Optional: the rows' model names, one per model (the server uses its model ids); empty
  // means the file names without .gguf.
  std::vector<std::string> labels;
  std::string run_id;  // empty: the start time, e.g. 20261125T110152Z
  // Optional: set to true to stop; the running worker is killed, RunSuite returns
  // kCancelled and writes no CSV rows (rows already passed to on_row stay valid).
  const std::atomic<bool>* cancel = nullptr;
  // Optional: each row as soon as its model is finished (before the CSV is written).
  std::function<void(const SuiteRow&)> on_row;
};

struct SuiteProgress {
  int model_index = 0;  // 0-based
  int model_count = 0;
  std::string model;
  int step = 0;  // repetitions finished over all sizes of this model
  int steps = 0;
  std::string phase;      // "loading" | "measuring" | "done" | "failed"
  int prompt_tokens = 0;  // the repetition just measured ("measuring" only)
  int rep = 0;            // 0-based
};

struct SuiteRun {
  std::string run_id;
  std::string log_dir;
  std::vector<SuiteRow> rows;
};

// A new run id: the current UTC time, e.g. 20261125T110152Z.
std::string NewRunId();

// Runs every model in its own worker, in order, and appends the rows to options.csv_path
// (unless empty). Writes <log_root>/<run_id>/machine.json and, per model, <model>.jsonl (the
// worker's output as it comes) and <model>.stderr.txt. A model whose worker fails gives one
// "failed" row and the suite goes on; errors are for the whole run (bad options, a worker
// that cannot be started, cancellation). `progress` may be empty.
Result<SuiteRun> RunSuite(const SuiteOptions& options,
                          const std::function<void(const SuiteProgress&)>& progress);

// The measuring side, run inside the worker process: loads the model and writes one JSON
// object per line to `emit`: {"type":"model",...} then {"type":"rep",...} per repetition.
struct WorkerOptions {
  std::string model;
  std::vector<int> prompt_sizes;
  int generate_tokens = 64;
  int repetitions = 3;
  int threads = 1;
};
Status RunWorker(const WorkerOptions& options, const std::function<void(const std::string&)>& emit);

// A prompt of exactly n tokens for `model` (BOS when the model adds one, then English text).
std::vector<int32_t> BenchPrompt(const Model& model, int n);

}  // namespace inferno::bench
