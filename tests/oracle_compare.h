// Compares a GGUF model against a llama.cpp oracle folder (../shared/fixtures/oracle/<stem>,
// format in its README): for every prompt, the prompt tokens and greedy tokens of
// `inferno run --temp 0 --json` up to the first near-tie, and the step-0 logits of the
// engine's forward pass against the full oracle vector. Failures are reported as gtest
// failures; the worst differences are returned for the test's own printout.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
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

// Greedy tokens are compared with an oracle's up to the first step whose gap (top-1 minus
// top-2 logit, the oracle's "gap") is below this: there a numeric difference may legitimately
// pick the other token, and everything after it diverges. The oracle was made by llama.cpp's
// kernels for this machine's instruction set; where ours sum in its order (AVX-512) most
// prompts agree bit for bit, elsewhere (AVX2, scalar, NEON) they differ by rounding, which
// 8-bit activations make discontinuous. The margin is the largest of
// - the fixtures README's 0.1;
// - half the logit bound of this arithmetic (max_abs): the bound is its noise floor (a 1e-6
//   change moves quantized logits by up to 0.34, tests/parity_test.cc), and it can strike at
//   any step, even one after a step 0 that agreed closely (seen on AVX2: step-0 logits 0.04
//   apart, a flip at step 6 where the oracle's gap was 0.12);
// - twice the max |logit diff| measured at step 0: logits off by d can swap tokens 2d apart.
// Flips seen with all earlier tokens equal: gaps 0.10-0.27 with quantized weights (bound 0.5).
double NearTieGap(double max_abs, double step0_max_diff);

// How far step-0 logits are from an oracle's: the largest |diff| (at token `worst`) and the mean.
struct LogitDiff {
  double max_abs = 0;
  double mean_abs = 0;
  size_t worst = 0;
};
LogitDiff CompareLogits(const std::vector<float>& got, const std::vector<float>& want);

// Greedy tokens against the oracle's steps, up to the first step whose gap is below near_tie
// (NearTieGap); a gtest failure for each that differs, or for tokens that end too early. The
// number of steps checked.
size_t ExpectGreedyMatches(const boost::json::array& steps, const std::vector<int32_t>& got,
                           double near_tie);

struct OracleStats {
  int prompts = 0;
  int greedy_steps = 0;
  double max_abs = 0;   // worst max |logit diff| over the prompts
  double mean_abs = 0;  // worst mean |logit diff| over the prompts
};

// Step-0 logits within max_abs and mean_abs; greedy tokens up to NearTieGap.
OracleStats ExpectMatchesOracle(const std::string& model_path, const std::string& oracle_dir,
                                double max_abs, double mean_abs);

// Mean |logit diff| at step 0 between a model and an oracle, per prompt id (sorted), and
// between two oracles of the same prompts: how far a quantized model moved from the F16
// reference.
std::vector<double> MeanLogitDistance(const std::string& model_path, const std::string& oracle_dir);
std::vector<double> MeanOracleDistance(const std::string& oracle_a, const std::string& oracle_b);

}  // namespace inferno::testing
