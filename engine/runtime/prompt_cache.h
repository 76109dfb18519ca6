// The prompt cache: which tokens each slot's KV cache holds once its request has ended, and the
// choice of slot for a new request so that a prompt starting like an earlier one (a system
// prompt, the earlier turns of a chat, a debugger branch) keeps those positions and evaluates
// only the rest. One per Scheduler, so the caches of a model serve only that model.
//
// A slot's positions [0, n) stay valid after its request ends: the next request reuses the
// longest prefix it shares with them. At least one prompt token is always evaluated (its logits
// give the first generated token), so a prompt matched whole keeps all but its last token.
// Recurrent layers (engine/runtime/kv_cache.h) cannot go back: their state holds every token
// evaluated, so a slot of such a model is reused only when everything it holds is a prefix of
// the new prompt, shorter than the prompt. A copy of the state taken when the slot's prompt was
// evaluated (Checkpoint) gives a second chance: the next turn of a chat starts with the previous
// prompt even when the answer, as the template renders it again, differs from the tokens
// generated (a thinking model's reasoning dropped, a different tokenization).
//
// Requests that record something for every prompt position (the prompt attention map, prompt
// surprisal, MoE router rows of the prompt) need those positions evaluated: they reuse nothing
// (ReusesPrefix), though what they leave in their slot serves later requests. Per-token probes
// (attention, logit lens) look at the last prompt token and later ones, always evaluated.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/runtime/kv_cache.h"
#include "engine/runtime/probes.h"

namespace inferno {

// Whether a request with these probes may skip evaluating a cached prefix of its prompt.
bool ReusesPrefix(const ProbeOptions& probes);

// Positions of `prompt` a cache holding `cached` can keep: their common prefix, at most
// prompt.size() - 1; with recurrent layers, all of `cached` or nothing.
int ReusablePrefix(std::span<const int32_t> cached, std::span<const int32_t> prompt,
                   bool recurrent);

// Whether every recurrent layer of `cache` has absorbed exactly n tokens (true without
// recurrent layers): the state a reused prefix of n tokens must continue from.
bool RecurrentStateHolds(KvCache& cache, int n_layer, int n);

struct PromptCacheStats {
  uint64_t lookups = 0;        // requests placed that could reuse a prefix
  uint64_t hits = 0;           // of those, the ones that reused at least one token
  uint64_t reused_tokens = 0;  // prompt tokens not evaluated thanks to the cache
};

class PromptCache {
 public:
  // `enabled` false: slots are taken first-free and nothing is reused.
  PromptCache(int n_slots, bool recurrent, bool enabled);

  struct Placement {
    int slot = -1;
    int reuse = 0;  // leading prompt positions already in the slot's cache
    // Non-empty: the recurrent states to restore (KvCache::RestoreRecurrent) before reusing:
    // the checkpoint's, whose tokens are the `reuse` kept.
    std::vector<float> restore;
  };
  // Takes a free slot for `prompt` (one must be free): the one that keeps the most positions,
  // the least recently used among equals. `reuse` false: nothing kept, and the slot chosen is
  // the least valuable. The slot's remembered tokens are dropped: its request now writes it.
  Placement Acquire(std::span<const int32_t> prompt, bool reuse);
  // The slot's request ended with its cache holding `tokens` at positions 0..size-1 (empty:
  // nothing worth keeping).
  void Release(int slot, std::vector<int32_t> tokens);
  // Recurrent models: the slot's request has just evaluated its whole `prompt`; keeps a copy of
  // the cache's recurrent states, which hold exactly it (nothing kept otherwise).
  void Checkpoint(int slot, std::span<const int32_t> prompt, KvCache& cache, int n_layer);

  bool enabled() const { return enabled_; }
  int n_slots() const { return int(slots_.size()); }
  const PromptCacheStats& stats() const { return stats_; }

 private:
  struct Slot {
    bool busy = false;
    uint64_t last_used = 0;  // Release() tick; 0: never used
    std::vector<int32_t> tokens;
    std::vector<int32_t> checkpoint_tokens;  // a prefix of `tokens`
    std::vector<float> checkpoint_state;
  };
  // Positions of `prompt` slot s can keep, and whether from its checkpoint.
  int Keep(const Slot& s, std::span<const int32_t> prompt, bool* from_checkpoint) const;
  std::vector<Slot> slots_;
  bool recurrent_;
  bool enabled_;
  uint64_t tick_ = 0;
  PromptCacheStats stats_;
};

}  // namespace inferno
