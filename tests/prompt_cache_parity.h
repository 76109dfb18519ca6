// The parity suite with the prompt cache switched on (ctest `parity_prompt_cache`, which sets
// INFERNO_PARITY_PROMPT_CACHE=1): instead of `inferno run` from an empty cache, the oracle's
// prompt is generated through a Scheduler whose slot already holds the first half of it, so
// llama.cpp's tokens and logits are checked on positions evaluated after a reused prefix.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"

namespace inferno::testing {

bool ParityThroughPromptCache();

struct CachedGreedy {
  std::vector<int32_t> prompt;      // as tokenized for generation
  std::vector<int32_t> tokens;      // greedy, up to `steps`
  std::vector<float> step0_logits;  // the logits of the first generated token
  int cached_tokens = 0;            // prompt tokens the cache held
};

// `prompt` (text, tokenized as `inferno run` does) greedily for `steps` tokens in a context of
// n_ctx with KV caches of kv_types, after a request for its first half warmed the cache. gtest
// failures on errors.
CachedGreedy GreedyAfterCachedPrefix(const Model& model, const std::string& prompt, int steps,
                                     int n_ctx, const KvCacheTypes& kv_types = {});

}  // namespace inferno::testing
