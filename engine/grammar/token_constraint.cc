#include "engine/grammar/token_constraint.h"

#include <algorithm>
#include <bit>

namespace inferno::grammar {

size_t TokenMask::Count() const {
  size_t n = 0;
  for (uint64_t w : bits_) n += size_t(std::popcount(w));
  return n;
}

TokenMask ComputeMask(Automaton& automaton, StateId s, const TokenTrie& trie,
                      std::span<const int32_t> end_tokens) {
  TokenMask mask(trie.n_vocab());
  if (s == kDeadState) return mask;
  std::vector<StateId> at_depth(size_t(trie.max_depth()) + 1, kDeadState);
  at_depth[0] = s;
  const std::vector<TokenTrie::Node>& nodes = trie.nodes();
  for (size_t i = 0; i < nodes.size();) {
    const TokenTrie::Node& n = nodes[i];
    const StateId next = automaton.Step(at_depth[n.depth - 1], n.byte);
    if (next == kDeadState) {
      i = n.end;  // every token below starts with a refused prefix
      continue;
    }
    at_depth[n.depth] = next;
    for (int32_t id : trie.tokens(n)) mask.Set(id);
    ++i;
  }
  if (automaton.CanEnd(s)) {
    for (int32_t id : end_tokens) {
      if (id >= 0 && id < trie.n_vocab()) mask.Set(id);
    }
  }
  return mask;
}

TokenConstraint::TokenConstraint(std::shared_ptr<const Grammar> grammar,
                                 std::shared_ptr<const TokenTrie> trie,
                                 std::vector<int32_t> end_tokens)
    : grammar_(std::move(grammar)),
      trie_(std::move(trie)),
      end_tokens_(std::move(end_tokens)),
      automaton_(std::make_unique<Automaton>(grammar_)),
      state_(automaton_->Start()) {}

bool TokenConstraint::IsEnd(int32_t id) const {
  return std::find(end_tokens_.begin(), end_tokens_.end(), id) != end_tokens_.end();
}

const TokenMask& TokenConstraint::Allowed() {
  auto it = masks_.find(state_);
  if (it != masks_.end()) return it->second;
  if (masks_.size() >= kMaxCachedMasks) masks_.clear();
  return masks_.emplace(state_, ComputeMask(*automaton_, state_, *trie_, end_tokens_))
      .first->second;
}

bool TokenConstraint::Accept(int32_t id) {
  if (IsEnd(id)) return Complete();
  if (!trie_->included(id)) return false;
  const StateId next = automaton_->Walk(state_, trie_->piece(id));
  if (next == kDeadState) return false;
  state_ = next;
  text_ += trie_->piece(id);
  if (automaton_->n_states() > kMaxStates) {
    // The lazily built automaton only grows; start a fresh one from the text so far.
    automaton_ = std::make_unique<Automaton>(grammar_);
    masks_.clear();
    state_ = automaton_->Walk(automaton_->Start(), text_);
  }
  return true;
}

}  // namespace inferno::grammar
