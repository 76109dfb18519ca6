// Compares a GGUF model against a llama.cpp oracle folder (../shared/fixtures/oracle/<stem>,
// format in its README): for every prompt, the prompt tokens and greedy tokens of
// `inferno run --temp 0 --json` up to the first near-tie, and the step-0 logits of the
// engine's forward pass against the full oracle vector. Failures are reported as gtest
// failures; the worst differences are returned for the test's own printout.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"

namespace inferno::testing {

// The logits after `prompt`, evaluated in one forward pass from an empty cache of at least
// n_ctx positions (LongRoPE models choose their factors by the context size), holding keys and
// values as kv_types.
std::vector<float> StepZeroLogits(const Model& m, const std::vector<int32_t>& prompt, int n_ctx = 0,
                                  const KvCacheTypes& kv_types = {});

struct OracleStats {
  int prompts = 0;
  int greedy_steps = 0;
  double max_abs = 0;   // worst max |logit diff| over the prompts
  double mean_abs = 0;  // worst mean |logit diff| over the prompts
};

OracleStats ExpectMatchesOracle(const std::string& model_path, const std::string& oracle_dir,
                                double max_abs, double mean_abs);

// Mean |logit diff| at step 0 between a model and an oracle, per prompt id (sorted), and
// between two oracles of the same prompts: how far a quantized model moved from the F16
// reference.
std::vector<double> MeanLogitDistance(const std::string& model_path, const std::string& oracle_dir);
std::vector<double> MeanOracleDistance(const std::string& oracle_a, const std::string& oracle_b);

}  // namespace inferno::testing
