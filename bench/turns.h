// `inferno bench --turns N`: time to first token of each turn of a chat, with the prompt cache
// (engine/runtime/prompt_cache.h) and without it. Turn 1 is a system prompt of about
// `system_tokens` and a question; each later turn adds the model's answer (`reply_tokens`,
// greedy) and a new question, rendered by the model's own chat template as a server would, so
// the cached part is what a real client's conversation reuses.
#pragma once

#include <vector>

#include "engine/model/model.h"
#include "engine/util/status.h"

namespace inferno::bench {

struct TurnsOptions {
  int turns = 4;
  int system_tokens = 512;
  int reply_tokens = 32;
  int repetitions = 3;  // conversations per mode; the TTFT is their mean
  int threads = 1;
  int batch = 512;
};

struct TurnResult {
  int turn = 0;  // 1-based
  int prompt_tokens = 0;
  int cached_tokens = 0;  // with the cache
  double ttft_ms = 0;     // with the cache: mean
  double ttft_ms_sd = 0;
  double fresh_ttft_ms = 0;  // without: mean
  double fresh_ttft_ms_sd = 0;
};

Result<std::vector<TurnResult>> RunTurns(const Model& model, const TurnsOptions& options);

}  // namespace inferno::bench
