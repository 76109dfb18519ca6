// Speculative decoding measured on a workload where it should pay: rewriting a file with a
// few changes (`inferno bench --spec lookup|draft`). The same greedy request runs with plain
// decoding and with speculation; the report has both decode speeds, their ratio, the draft's
// acceptance rate and whether the two outputs are token-identical (they must be).
#pragma once

#include <string>

#include "engine/model/model.h"
#include "engine/runtime/speculative.h"
#include "engine/util/status.h"

namespace inferno::bench {

// The built-in workload: a ~400-token Python file and the request to rewrite it with a few
// changes, ending where the rewritten file begins.
extern const char kCodeEditPrompt[];

struct SpecBenchOptions {
  std::string prompt = kCodeEditPrompt;
  int generate = 256;  // tokens generated (end-of-generation ignored), capped by the context
  int repetitions = 1;
  int threads = 1;
  float temperature = 0;  // > 0: sampled (seeded), outputs then differ by design
  SpecOptions spec;
};

struct SpecBenchResult {
  std::string test;  // "edit<N>+lookup"
  int prompt_tokens = 0;
  int tokens = 0;              // generated per run
  double plain_tps = 0;        // decode tokens/s without speculation (mean)
  double spec_tps = 0;         // effective decode tokens/s with it (mean)
  double acceptance_rate = 0;  // accepted / drafted
  double tokens_per_pass = 0;  // generated tokens per target forward pass
  bool identical = false;      // token-identical outputs
};

Result<SpecBenchResult> RunSpecBench(const Model& model, const SpecBenchOptions& options);

}  // namespace inferno::bench
