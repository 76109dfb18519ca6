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

int PromptCache::Keep(const Slot& s, std::span<const int32_t> prompt, bool* from_checkpoint) const {
  const int keep = ReusablePrefix(s.tokens, prompt, recurrent_);
  const int checkpoint =
      s.checkpoint_state.empty() ? 0 : ReusablePrefix(s.checkpoint_tokens, prompt, recurrent_);
  *from_checkpoint = checkpoint > keep;
  return std::max(keep, checkpoint);
}

PromptCache::Placement PromptCache::Acquire(std::span<const int32_t> prompt, bool reuse) {
  Placement best;
  bool best_checkpoint = false;
  uint64_t best_used = 0;
  for (int i = 0; i < int(slots_.size()); ++i) {
    const Slot& s = slots_[size_t(i)];
    if (s.busy) continue;
    if (!enabled_) {  // as without a cache: the first free slot
      best.slot = i;
      break;
    }
    bool checkpoint = false;
    const int keep = reuse ? Keep(s, prompt, &checkpoint) : 0;
    // Most positions kept; among equals the least recently used (never used first), so the
    // slots holding recent prefixes are evicted last.
    if (best.slot < 0 || keep > best.reuse || (keep == best.reuse && s.last_used < best_used)) {
      best.slot = i;
      best.reuse = keep;
      best_checkpoint = checkpoint;
      best_used = s.last_used;
    }
  }
  Slot& s = slots_[size_t(best.slot)];
  s.busy = true;
  s.tokens.clear();
  s.checkpoint_tokens.clear();
  if (best_checkpoint && best.reuse > 0) best.restore = std::move(s.checkpoint_state);
  s.checkpoint_state.clear();
  if (enabled_ && reuse) {
    ++stats_.lookups;
    stats_.hits += best.reuse > 0;
    stats_.reused_tokens += uint64_t(best.reuse);
  }
  return best;
}

void PromptCache::Checkpoint(int slot, std::span<const int32_t> prompt, KvCache& cache,
                             int n_layer) {
  Slot& s = slots_[size_t(slot)];
  if (!enabled_ || !recurrent_) return;
  if (!RecurrentStateHolds(cache, n_layer, int(prompt.size()))) return;
  s.checkpoint_tokens.assign(prompt.begin(), prompt.end());
  s.checkpoint_state = cache.SaveRecurrent();
}

void PromptCache::Release(int slot, std::vector<int32_t> tokens) {
  Slot& s = slots_[size_t(slot)];
  s.busy = false;
  s.last_used = ++tick_;
  if (enabled_) s.tokens = std::move(tokens);
}

}  // namespace inferno
