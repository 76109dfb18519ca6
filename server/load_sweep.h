// A load sweep against an OpenAI-compatible server (a remote endpoint, another inferno, or
// this machine's own `inferno serve`): at each concurrency level, that many clients send
// streamed chat completions back to back until the level's requests are done, and each
// request's time to first token, latency and decode speed are measured on the client side,
// as a user of that server sees them. The level's figures are the percentiles of those, the
// aggregate output tokens per second and the failures.
//
// Why closed-loop clients (each sends its next request when the last one ended) rather than
// a fixed arrival rate: the question is how the server shares itself among N users at once
// (batching, --max-client-requests, queueing), which a fixed concurrency asks directly and
// which needs no rate to be guessed per model.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "results/machine_info.h"
#include "results/suite_row.h"
#include "server/remote_client.h"

namespace inferno::server {

struct LoadSweepOptions {
  std::string base_url;  // the server, without /v1
  std::string api_key;   // sent as Authorization: Bearer; empty: none
  std::string model;     // the id that server knows the model by
  std::vector<int> concurrency = {1, 4, 16, 64};
  // Requests per level (at least the level: every client sends one); 0: max(8, 2 x the
  // level), so every client sends at least two.
  int requests = 0;
  int prompt_words = 64;  // the user message's length in words (about as many tokens)
  int max_tokens = 64;    // asked of every request, with ignore_eos
  RemoteTimeouts timeouts;
  const std::atomic<bool>* cancel = nullptr;  // set: the sweep stops (kCancelled)
};

// One request's measurements (client side).
struct LoadSample {
  bool ok = false;
  std::string error;
  double ttft_ms = 0;     // request sent to first text
  double latency_ms = 0;  // request sent to the stream's end
  int prompt_tokens = 0;  // the server's usage, when it gives one
  int generated_tokens = 0;
};

// The nearest-rank percentile (p in 0..100) of `values` (sorted here); 0 when empty. Being a
// member of the sorted list, p50 <= p95 <= p99 always holds.
double Percentile(std::vector<double> values, double p);

// A level's row from its samples: concurrency, requests, failed_requests, the ttft_ms and
// latency_ms percentiles, means and spreads of ttft/latency/decode speed, throughput_tps
// (all output tokens over the level's wall time) and the first error. The caller fills in
// the run's fields (machine, run id, model).
bench::SuiteRow LevelRow(int concurrency, const std::vector<LoadSample>& samples, double wall_ms);

struct LoadProgress {
  int level_index = 0, level_count = 0;
  int concurrency = 0;
  int done = 0, requests = 0;  // of this level
};

// Runs the levels in order; each level's row goes to on_row as it ends. A level whose
// requests all failed ends the sweep with that error (the server is down or refuses the
// model: higher levels would only repeat it).
Status RunLoadSweep(const LoadSweepOptions& options,
                    const std::function<void(const bench::SuiteRow&)>& on_row,
                    const std::function<void(const LoadProgress&)>& on_progress = {});

// The sweep as one model's rows of a benchmark run: each level's row also carries the run's
// fields (timestamp, run key, this machine: the client's) and the model's (`label` as the
// run names it, the server's URL as model_path).
Status RunLoadSweepRows(const LoadSweepOptions& options, const std::string& label,
                        const std::string& run_key, const bench::MachineInfo& machine,
                        const std::function<void(const bench::SuiteRow&)>& on_row,
                        const std::function<void(const LoadProgress&)>& on_progress = {});

// The "load" category's request defaults and bounds, shared by the CLI and POST /bench.
struct LoadLimits {
  static constexpr int kMaxLevels = 8;
  static constexpr int kMaxConcurrency = 256;
  static constexpr int kMaxRequests = 4096;
  static constexpr int kMaxPromptWords = 8192;
  static constexpr int kMaxTokens = 4096;
};

}  // namespace inferno::server
