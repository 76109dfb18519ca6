#include "tests/prompt_cache_parity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "engine/runtime/scheduled_run.h"

namespace inferno::testing {

bool ParityThroughPromptCache() {
  const char* v = std::getenv("INFERNO_PARITY_PROMPT_CACHE");
  return v != nullptr && std::string_view(v) == "1";
}

CachedGreedy GreedyAfterCachedPrefix(const Model& model, const std::string& prompt, int steps,
                                     int n_ctx, const KvCacheTypes& kv_types) {
  CachedGreedy out;
  GenerateRequest req;
  req.prompt = prompt;
  req.max_tokens = steps;
  req.sampling.temperature = 0;
  req.probes.full_logits = true;
  Result<std::vector<int32_t>> ids = PromptTokens(model, req);
  EXPECT_TRUE(ids.ok()) << ids.status().message();
  if (!ids.ok()) return out;
  const auto& recurrent = model.config().layer_is_recurrent;
  const bool has_recurrent = std::find(recurrent.begin(), recurrent.end(), true) != recurrent.end();
  Scheduler sched(
      model, SchedulerOptions{.n_slots = 2, .n_ctx = n_ctx, .n_threads = 2, .kv_types = kv_types});
  // The warm-up's own generation leaves a tail the real prompt does not share (cut back by
  // attention layers); a recurrent state must hold exactly the prefix, so it generates one
  // token, never evaluated.
  const size_t half = ids->size() / 2;
  GenerateRequest warm;
  warm.prompt_tokens.assign(ids->begin(), ids->begin() + std::max<size_t>(half, 1));
  warm.max_tokens = has_recurrent ? 1 : 4;
  warm.sampling.temperature = 0;
  (void)RunToEnd(sched, warm);
  const ScheduledRun run = RunToEnd(sched, req);
  EXPECT_EQ(run.Done().type, Event::Type::kDone) << run.Done().error.message();
  for (const Event& e : run.events) {
    if (e.type == Event::Type::kPrompt) out.prompt = e.prompt_tokens;
    if (e.type == Event::Type::kToken && out.step0_logits.empty()) out.step0_logits = e.logits;
  }
  out.tokens = run.Tokens();
  out.cached_tokens = run.Done().timings.cached_tokens;
  EXPECT_GE(out.cached_tokens, int(half)) << "the warmed prefix was not reused";
  return out;
}

}  // namespace inferno::testing
