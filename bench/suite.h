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

// The categories of the suite (the CSV's input_type): text prompts, an image with a question
// (vision models: a language model + its mmproj), audio to transcribe (speech models).
inline constexpr const char* kCategories[] = {"text", "image", "audio"};
bool IsCategory(const std::string& name);
// The sizes measured when none are given: prompt tokens, the image's long side in pixels,
// the clip's seconds.
std::vector<int> DefaultSizes(const std::string& category);

// The picture (image) or recording (audio) the suite cuts its inputs from when none is given:
// photo-1.jpeg or speech-1.mp3 of the project's shared fixtures, found under
// $INFERNO_MEDIA_DIR, else ../shared/fixtures/media from the working directory, else beside the
// checkout that holds this binary (build/release/inferno). The first candidate when none
// exists, so the error names a path.
std::string DefaultMediaFile(const std::string& category);

struct SuiteOptions {
  std::string category = "text";
  std::vector<std::string> models;  // GGUF paths (audio: whisper.cpp model files)
  // Per category: prompt tokens (text), the image's long side in pixels (image), the clip's
  // length in seconds (audio).
  std::vector<int> prompt_sizes = {50, 100, 200};
  // image: the vision encoder of each model, one per model.
  std::vector<std::string> mmprojs;
  // image / audio: the picture or recording the inputs are made from at each size.
  std::string media_file;
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
  std::string phase;              // "loading" | "measuring" | "done" | "failed"
  int prompt_tokens = 0;          // the size of the repetition just measured ("measuring" only)
  int rep = 0;                    // 0-based
  std::string category = "text";  // SuiteOptions::category
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
  std::string category = "text";
  std::string model;
  std::string mmproj;             // image
  std::string media;              // image / audio: the source picture or recording
  std::vector<int> prompt_sizes;  // the sizes of the category (SuiteOptions::prompt_sizes)
  int generate_tokens = 64;
  int repetitions = 3;
  int threads = 1;
};
Status RunWorker(const WorkerOptions& options, const std::function<void(const std::string&)>& emit);

// A prompt of exactly n tokens for `model` (BOS when the model adds one, then English text).
std::vector<int32_t> BenchPrompt(const Model& model, int n);

}  // namespace inferno::bench
