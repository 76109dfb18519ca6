#include "engine/runtime/prompt_cache.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

using Tokens = std::vector<int32_t>;

TEST(ReusablePrefix, KeepsTheCommonPrefixButNeverTheWholePrompt) {
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3, 9}, Tokens{1, 2, 3, 4, 5}, false), 3);
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2}, Tokens{1, 2, 3, 4}, false), 2);
  EXPECT_EQ(ReusablePrefix(Tokens{5, 2}, Tokens{1, 2, 3}, false), 0);
  // Matched whole: the last prompt token is evaluated again for its logits.
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3}, Tokens{1, 2, 3}, false), 2);
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3, 4, 5}, Tokens{1, 2, 3}, false), 2);
  EXPECT_EQ(ReusablePrefix(Tokens{}, Tokens{1, 2}, false), 0);
  EXPECT_EQ(ReusablePrefix(Tokens{1}, Tokens{}, false), 0);
}

TEST(ReusablePrefix, RecurrentStatesAreReusedOnlyWhenTheyHoldAPrefixOfThePrompt) {
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2}, Tokens{1, 2, 3, 4}, true), 2);
  // The state has absorbed token 9, which the prompt does not have: no going back.
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3, 9}, Tokens{1, 2, 3, 4, 5}, true), 0);
  // Nothing would be left to evaluate for the first logits.
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3}, Tokens{1, 2, 3}, true), 0);
  EXPECT_EQ(ReusablePrefix(Tokens{1, 2, 3, 4}, Tokens{1, 2, 3}, true), 0);
}

TEST(ReusesPrefix, OnlyRequestsThatRecordEveryPromptPositionEvaluateAll) {
  ProbeOptions p;
  EXPECT_TRUE(ReusesPrefix(p));
  p.attention = p.logit_lens = p.full_logits = true;  // last prompt token and later only
  EXPECT_TRUE(ReusesPrefix(p));
  for (bool ProbeOptions::*field :
       {&ProbeOptions::attention_prompt, &ProbeOptions::prompt_surprisal, &ProbeOptions::router}) {
    ProbeOptions q;
    q.*field = true;
    EXPECT_FALSE(ReusesPrefix(q));
  }
}

TEST(PromptCache, PicksTheSlotWithTheLongestPrefixAndCountsHits) {
  PromptCache cache(3, /*recurrent=*/false, /*enabled=*/true);
  const PromptCache::Placement a = cache.Acquire(Tokens{1, 2, 3}, true);
  const PromptCache::Placement b = cache.Acquire(Tokens{7, 8}, true);
  EXPECT_EQ(a.reuse, 0);
  EXPECT_NE(a.slot, b.slot);
  cache.Release(a.slot, Tokens{1, 2, 3, 4});
  cache.Release(b.slot, Tokens{7, 8, 9});
  const PromptCache::Placement c = cache.Acquire(Tokens{7, 8, 9, 10}, true);
  EXPECT_EQ(c.slot, b.slot);
  EXPECT_EQ(c.reuse, 3);
  const PromptCache::Placement d = cache.Acquire(Tokens{1, 2, 5}, true);
  EXPECT_EQ(d.slot, a.slot);
  EXPECT_EQ(d.reuse, 2);
  EXPECT_EQ(cache.stats().lookups, 4u);
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().reused_tokens, 5u);
}

TEST(PromptCache, EvictsTheLeastRecentlyUsedWhenNothingMatches) {
  PromptCache cache(3, false, true);
  std::vector<int> slots;
  for (int32_t t : {1, 2, 3}) slots.push_back(cache.Acquire(Tokens{t}, true).slot);
  cache.Release(slots[1], Tokens{2, 20});  // oldest
  cache.Release(slots[0], Tokens{1, 10});
  cache.Release(slots[2], Tokens{3, 30});
  EXPECT_EQ(cache.Acquire(Tokens{4, 40}, true).slot, slots[1]);
  EXPECT_EQ(cache.Acquire(Tokens{5, 50}, false).slot, slots[0]);
  // Taken slots forget what they held: their requests overwrite them.
  EXPECT_EQ(cache.Acquire(Tokens{1, 10, 11}, true).reuse, 0);
}

TEST(PromptCache, NeverUsedSlotsGoBeforeOnesHoldingAPrefix) {
  PromptCache cache(2, false, true);
  const int first = cache.Acquire(Tokens{1, 2}, true).slot;
  cache.Release(first, Tokens{1, 2, 3});
  EXPECT_NE(cache.Acquire(Tokens{8, 9}, true).slot, first);
}

TEST(PromptCache, DisabledTakesTheFirstFreeSlotAndReusesNothing) {
  PromptCache cache(2, false, false);
  const PromptCache::Placement a = cache.Acquire(Tokens{1, 2, 3}, true);
  EXPECT_EQ(a.slot, 0);
  cache.Release(a.slot, Tokens{1, 2, 3});
  const PromptCache::Placement b = cache.Acquire(Tokens{1, 2, 3, 4}, true);
  EXPECT_EQ(b.slot, 0);
  EXPECT_EQ(b.reuse, 0);
  EXPECT_EQ(cache.Acquire(Tokens{1}, true).slot, 1);
  EXPECT_EQ(cache.stats().lookups, 0u);
}

}  // namespace
}  // namespace inferno
