// llama-bench-style measurements of one model: prefill of N prompt tokens in one batch
// (`ppN`) and N single-token decode steps (`tgN`), repeated, with mean and stddev.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"
#include "engine/util/status.h"

namespace inferno::bench {

struct BenchOptions {
  std::vector<int> prompt_sizes = {512};
  int generate_tokens = 128;  // 0 skips the decode test
  int repetitions = 5;
  int threads = 1;
  int batch = 512;
  // For each N > 1: N sequences decoding together, one forward pass per step
  // (test "tg<n>x<N>", aggregate tokens/s of all sequences).
  std::vector<int> parallel;
  KvCacheTypes kv_types;  // --cache-type-k/-v; checked against the model by RunBench
  // Tokens prefilled (untimed) before the decode tests, which then decode at positions
  // depth.. (test "tg<n>@d<depth>", as llama-bench's -d): attention cost at a long context.
  int depth = 0;
};

struct BenchResult {
  std::string test;  // "pp512", "tg128", "tg128x4"
  int tokens = 0;
  double tokens_per_second = 0;  // mean over repetitions
  double stddev = 0;
  double gigabytes_per_second = 0;  // decode only: weight bytes read per second
};

struct BenchReport {
  std::string model_path;
  std::string type;       // dominant weight type by bytes, e.g. "Q4_0"
  double size_bytes = 0;  // file size
  double params = 0;
  double load_ms = 0;
  double weight_bytes_per_token = 0;  // bytes a decode step reads from the weights
  double peak_rss_bytes = 0;
  KvCacheTypes kv_types;
  double kv_bytes = 0;  // the single-sequence tests' cache (its context: the longest test)
  int threads = 0;
  // The tests needed more positions than the model was trained for (it has rotary positions):
  // the speeds are real, the generated tokens would not be.
  bool beyond_trained_context = false;
  std::vector<BenchResult> results;
};

// The mean and sample standard deviation (0 for fewer than two) of repeated readings.
void MeanStddev(const std::vector<double>& v, double* mean, double* sd);

// Runs the tests on a loaded model; a warm-up pass precedes each test.
Result<BenchReport> RunBench(const Model& model, const BenchOptions& options);

}  // namespace inferno::bench
