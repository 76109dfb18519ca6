// Running a Grammar over bytes: a pushdown automaton whose configurations are sets of stacks,
// determinised lazily. A stack is the list of grammar positions still to match, innermost on
// top; its top is always a character set (rule references are expanded into their
// alternatives as soon as they are reached). The empty stack means the root rule is complete.
//
// Stacks are hash-consed (one id per distinct (position, parent) pair) so equal stacks are
// equal ids, and each configuration (sorted stack ids plus a partly read UTF-8 character) gets
// a StateId. Byte transitions between states are cached in a 256-wide table per state: once a
// state has been seen, stepping through it is one array read, which is what makes walking the
// whole vocabulary trie every step cheap (token_mask.h).
//
// Input is UTF-8: a character set tests whole code points, and a state in the middle of a
// character keeps only the stacks that can still accept some code point with that prefix.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/grammar/grammar.h"

namespace inferno::grammar {

using StateId = int32_t;
constexpr StateId kDeadState = -1;

class Automaton {
 public:
  explicit Automaton(std::shared_ptr<const Grammar> grammar);

  // Before any input: the root rule's alternatives.
  StateId Start() const { return start_; }
  // After one more byte; kDeadState when the grammar rejects it.
  StateId Step(StateId s, uint8_t byte) {
    if (s < 0) return kDeadState;
    const size_t at = size_t(s) * 256 + byte;
    if (trans_[at] == kUnknown) {
      const StateId next = ComputeStep(s, byte);  // may grow trans_
      trans_[at] = next;
    }
    return trans_[at];
  }
  // After a byte string (kDeadState if some byte is rejected).
  StateId Walk(StateId s, std::string_view bytes);
  // The input so far is a complete sentence of the grammar.
  bool CanEnd(StateId s) const;
  // Some more input could be accepted.
  bool CanContinue(StateId s) const;
  // States created so far (they are never freed while the automaton lives).
  size_t n_states() const { return states_.size(); }
  // More stacks than kMaxStacks appeared in one state, or expanding one stack top took more
  // than kExpandBudget steps: the grammar is too ambiguous and the step was rejected.
  bool overflowed() const { return overflowed_; }

  static constexpr size_t kMaxStacks = 4096;
  static constexpr int kExpandBudget = 1 << 16;  // expansion calls per stack top

 private:
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kEmptyStack = -1;  // a stack id: nothing left to match

  struct Node {
    uint32_t pos;    // element position: a character set on top, a continuation below
    int32_t parent;  // kEmptyStack at the bottom
  };
  struct State {
    std::vector<int32_t> stacks;  // sorted, unique stack (top node) ids, maybe kEmptyStack
    uint32_t partial = 0;         // bits of the character read so far
    uint8_t left = 0;             // continuation bytes still expected
    uint8_t len = 0;              // bytes of that character in all
  };

  int32_t Intern(uint32_t pos, int32_t parent);
  // Pushes the stacks that result from reaching position pos with `parent` below it.
  void Expand(uint32_t pos, int32_t parent, std::vector<int32_t>* out);
  // The stacks after the top character set of node n matched.
  const std::vector<int32_t>& After(int32_t n);
  StateId InternState(State st);
  StateId ComputeStep(StateId s, uint8_t byte);
  StateId AdvanceCodepoint(StateId s, const State& from, uint32_t cp);
  const CharSet& TopSet(int32_t n) const {
    return grammar_->sets()[grammar_->elements()[nodes_[n].pos].ref];
  }

  std::shared_ptr<const Grammar> grammar_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> node_ids_;
  std::vector<std::vector<int32_t>> after_;
  std::vector<bool> after_done_;
  std::vector<State> states_;
  struct KeyHash {
    size_t operator()(const std::vector<int32_t>& v) const;
  };
  std::unordered_map<std::vector<int32_t>, StateId, KeyHash> state_ids_;
  std::vector<int32_t> trans_;  // [state][byte] -> state, kUnknown until computed
  // Per state: (which stacks accepted a code point) -> the state after it.
  std::vector<std::vector<std::pair<uint64_t, StateId>>> by_signature_;
  std::vector<int32_t> scratch_;
  StateId start_ = kDeadState;
  bool overflowed_ = false;
  int expand_budget_ = 0;
};

}  // namespace inferno::grammar
