// A grammar applied to one generation's tokens: which tokens may come next (a bit per
// vocabulary entry, from a walk of the vocabulary trie through the automaton, cached per
// automaton state), and the state after each chosen token. End-of-generation tokens are allowed
// only where the grammar is complete; tokens outside the trie (control tokens) never.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/grammar/grammar.h"
#include "engine/grammar/matcher.h"
#include "engine/grammar/token_trie.h"

namespace inferno::grammar {

class TokenMask {
 public:
  explicit TokenMask(int32_t n = 0) : bits_((size_t(n) + 63) / 64, 0) {}
  bool Test(int32_t id) const {
    return id >= 0 && size_t(id) / 64 < bits_.size() && ((bits_[size_t(id) / 64] >> (id & 63)) & 1);
  }
  void Set(int32_t id) { bits_[size_t(id) / 64] |= uint64_t(1) << (id & 63); }
  size_t Count() const;

 private:
  std::vector<uint64_t> bits_;
};

// The allowed tokens from state s: a preorder walk of the trie that skips every subtree whose
// prefix the automaton rejects. No per-token work for refused prefixes.
TokenMask ComputeMask(Automaton& automaton, StateId s, const TokenTrie& trie,
                      std::span<const int32_t> end_tokens);

class TokenConstraint {
 public:
  TokenConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie,
                  std::vector<int32_t> end_tokens);

  // The tokens allowed next (valid until the next Accept()).
  const TokenMask& Allowed();
  // Moves past token id; false (state unchanged) when the grammar refuses it.
  bool Accept(int32_t id);
  // The text so far is a complete sentence of the grammar.
  bool Complete() const { return automaton_->CanEnd(state_); }
  // Complete and nothing more can follow: generation should stop here.
  bool Finished() const { return Complete() && !automaton_->CanContinue(state_); }
  const std::string& text() const { return text_; }

  // Cached masks and automaton states kept before the caches are rebuilt (memory bounds).
  static constexpr size_t kMaxCachedMasks = 64;
  static constexpr size_t kMaxStates = 1 << 16;

 private:
  bool IsEnd(int32_t id) const;

  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const TokenTrie> trie_;
  std::vector<int32_t> end_tokens_;
  std::unique_ptr<Automaton> automaton_;
  StateId state_;
  std::string text_;  // accepted so far: replayed when the automaton is rebuilt
  std::unordered_map<StateId, TokenMask> masks_;
};

}  // namespace inferno::grammar
