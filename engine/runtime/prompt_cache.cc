#include "engine/runtime/prompt_cache.h"

#include <algorithm>

namespace inferno {

bool ReusesPrefix(const ProbeOptions& probes) {
  return !probes.attention_prompt && !probes.prompt_surprisal && !probes.router;
}

int ReusablePrefix(std::span<const int32_t> cached, std::span<const int32_t> prompt,
                   bool recurrent) {
  const size_t n = std::min(cached.size(), prompt.size());
  const size_t common = size_t(
      std::mismatch(cached.begin(), cached.begin() + n, prompt.begin()).first - cached.begin());
  if (recurrent) return common == cached.size() && common < prompt.size() ? int(common) : 0;
  // The last prompt token is evaluated again when the whole prompt matched: its logits start
  // the generation.
  return int(std::min(common, prompt.empty() ? 0 : prompt.size() - 1));
}

bool RecurrentStateHolds(KvCache& cache, int n_layer, int n) {
  for (int layer = 0; layer < n_layer; ++layer) {
    const KvCache::RecurrentState* st = cache.recurrent(layer);
    if (st != nullptr && st->n_tokens != n) return false;
  }
  return true;
}

PromptCache::PromptCache(int n_slots, bool recurrent, bool enabled)
    : slots_(size_t(std::max(1, n_slots))), recurrent_(recurrent), enabled_(enabled) {}

PromptCache::Placement PromptCache::Acquire(std::span<const int32_t> prompt, bool reuse) {
  Placement best;
  uint64_t best_used = 0;
  for (int i = 0; i < int(slots_.size()); ++i) {
    const Slot& s = slots_[size_t(i)];
    if (s.busy) continue;
    if (!enabled_) {  // as without a cache: the first free slot
      best.slot = i;
      break;
    }
    const int keep = reuse ? ReusablePrefix(s.tokens, prompt, recurrent_) : 0;
    // Most positions kept; among equals the least recently used (never used first), so the
    // slots holding recent prefixes are evicted last.
    if (best.slot < 0 || keep > best.reuse || (keep == best.reuse && s.last_used < best_used)) {
      best = {i, keep};
      best_used = s.last_used;
    }
  }
  Slot& s = slots_[size_t(best.slot)];
  s.busy = true;
  s.tokens.clear();
  if (enabled_ && reuse) {
    ++stats_.lookups;
    stats_.hits += best.reuse > 0;
    stats_.reused_tokens += uint64_t(best.reuse);
  }
  return best;
}

void PromptCache::Release(int slot, std::vector<int32_t> tokens) {
  Slot& s = slots_[size_t(slot)];
  s.busy = false;
  s.last_used = ++tick_;
  if (enabled_) s.tokens = std::move(tokens);
}

}  // namespace inferno
