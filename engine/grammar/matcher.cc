#include "engine/grammar/matcher.h"

#include <algorithm>

#include "engine/util/utf8.h"

namespace inferno::grammar {

size_t Automaton::KeyHash::operator()(const std::vector<int32_t>& v) const {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int32_t x : v) h = (h ^ uint32_t(x)) * 0x100000001b3ull;
  return size_t(h);
}

Automaton::Automaton(std::shared_ptr<const Grammar> grammar) : grammar_(std::move(grammar)) {
  State st;
  expand_budget_ = kExpandBudget;
  for (uint32_t a : grammar_->alternatives(grammar_->root())) Expand(a, kEmptyStack, &st.stacks);
  std::sort(st.stacks.begin(), st.stacks.end());
  st.stacks.erase(std::unique(st.stacks.begin(), st.stacks.end()), st.stacks.end());
  start_ = InternState(std::move(st));
}

int32_t Automaton::Intern(uint32_t pos, int32_t parent) {
  const uint64_t key = (uint64_t(pos) << 32) | uint32_t(parent);
  auto [it, added] = node_ids_.emplace(key, int32_t(nodes_.size()));
  if (added) {
    nodes_.push_back({pos, parent});
    after_.emplace_back();
    after_done_.push_back(false);
  }
  return it->second;
}

void Automaton::Expand(uint32_t pos, int32_t parent, std::vector<int32_t>* out) {
  // Nullable rules can make the expansions of one step exponential in a hostile grammar.
  if (--expand_budget_ < 0) {
    overflowed_ = true;
    return;
  }
  const std::vector<Element>& el = grammar_->elements();
  const Element& e = el[pos];
  switch (e.type) {
    case ElementType::kEnd:
      // The rule is done: continue with what its caller had left.
      if (parent == kEmptyStack) {
        out->push_back(kEmptyStack);
      } else {
        const Node up = nodes_[parent];
        Expand(up.pos, up.parent, out);
      }
      return;
    case ElementType::kChars:
      out->push_back(Intern(pos, parent));
      return;
    case ElementType::kRule: {
      // A reference in tail position returns straight to the caller's caller, so right
      // recursion (repetitions) does not deepen the stack.
      const int32_t cont = el[pos + 1].type == ElementType::kEnd ? parent : Intern(pos + 1, parent);
      for (uint32_t a : grammar_->alternatives(e.ref)) Expand(a, cont, out);
      return;
    }
  }
}

const std::vector<int32_t>& Automaton::After(int32_t n) {
  if (!after_done_[n]) {
    std::vector<int32_t> out;
    const Node node = nodes_[n];
    expand_budget_ = kExpandBudget;
    Expand(node.pos + 1, node.parent, &out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    after_[n] = std::move(out);  // after Expand: it may have grown after_
    after_done_[n] = true;
  }
  return after_[n];
}

StateId Automaton::InternState(State st) {
  std::vector<int32_t> key;
  key.reserve(st.stacks.size() + 2);
  key.push_back(st.left | (st.len << 8));
  key.push_back(int32_t(st.partial));
  key.insert(key.end(), st.stacks.begin(), st.stacks.end());
  auto [it, added] = state_ids_.emplace(std::move(key), StateId(states_.size()));
  if (added) {
    states_.push_back(std::move(st));
    trans_.resize(trans_.size() + 256, kUnknown);
    by_signature_.emplace_back();
  }
  return it->second;
}

StateId Automaton::AdvanceCodepoint(StateId s, const State& from, uint32_t cp) {
  // The result depends only on which stacks accept cp: most bytes of a step share a few such
  // signatures (every letter inside a string, say), so each is computed once per state.
  const bool memo = from.stacks.size() <= 64;
  uint64_t signature = 0;
  for (size_t i = 0; memo && i < from.stacks.size(); ++i) {
    const int32_t n = from.stacks[i];
    if (n != kEmptyStack && TopSet(n).Contains(cp)) signature |= uint64_t(1) << i;
  }
  if (memo) {
    if (signature == 0) return kDeadState;
    for (const auto& [key, next] : by_signature_[size_t(s)]) {
      if (key == signature) return next;
    }
  }
  scratch_.clear();
  for (size_t i = 0; i < from.stacks.size(); ++i) {
    const int32_t n = from.stacks[i];
    const bool match = memo ? ((signature >> i) & 1) : n != kEmptyStack && TopSet(n).Contains(cp);
    if (!match) continue;
    const std::vector<int32_t>& next = After(n);
    scratch_.insert(scratch_.end(), next.begin(), next.end());
  }
  std::sort(scratch_.begin(), scratch_.end());
  scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  StateId result = kDeadState;
  if (scratch_.size() > kMaxStacks || overflowed_) {
    overflowed_ = true;
  } else if (!scratch_.empty()) {
    State st;
    st.stacks = scratch_;
    result = InternState(std::move(st));
  }
  if (memo) by_signature_[size_t(s)].push_back({signature, result});
  return result;
}

namespace {

// The code points a UTF-8 sequence of len bytes may encode: shorter forms (overlong) and
// beyond U+10FFFF are not UTF-8, and a grammar must not let them stand for ASCII.
uint32_t MinCodepoint(int len) { return len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000; }
uint32_t MaxCodepoint(int len) { return len == 2 ? 0x7FF : len == 3 ? 0xFFFF : 0x10FFFF; }
bool IsSurrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

}  // namespace

StateId Automaton::ComputeStep(StateId s, uint8_t byte) {
  const State from = states_[s];  // a copy: interning may reallocate states_
  uint32_t partial = 0;
  uint8_t left = 0, len = from.len;
  if (from.left == 0) {
    if (byte < 0x80) return AdvanceCodepoint(s, from, byte);
    if (byte == kControlByte) return AdvanceCodepoint(s, from, kControlMark);
    len = uint8_t(Utf8SequenceLength(byte));
    if (len == 0) return kDeadState;  // a continuation byte or an invalid lead byte
    partial = byte & (0x7Fu >> len);
    left = uint8_t(len - 1);
  } else {
    if ((byte & 0xC0) != 0x80) return kDeadState;
    partial = (from.partial << 6) | (byte & 0x3Fu);
    left = uint8_t(from.left - 1);
  }
  // The code points still possible with these bits, within what this length may encode.
  const uint32_t lo = std::max(partial << (6 * left), MinCodepoint(len));
  const uint32_t hi = std::min(partial << (6 * left) | ((1u << (6 * left)) - 1), MaxCodepoint(len));
  if (lo > hi || (IsSurrogate(lo) && IsSurrogate(hi))) return kDeadState;
  if (left == 0) return AdvanceCodepoint(s, from, partial);
  // Mid-character: keep the stacks that accept some code point starting with these bits.
  State st;
  st.partial = partial;
  st.left = left;
  st.len = len;
  for (int32_t n : from.stacks) {
    if (n != kEmptyStack && TopSet(n).Intersects(lo, hi)) st.stacks.push_back(n);
  }
  if (st.stacks.empty()) return kDeadState;
  return InternState(std::move(st));
}

StateId Automaton::Walk(StateId s, std::string_view bytes) {
  for (char c : bytes) {
    s = Step(s, uint8_t(c));
    if (s == kDeadState) break;
  }
  return s;
}

bool Automaton::CanEnd(StateId s) const {
  if (s < 0) return false;
  const State& st = states_[s];
  return st.left == 0 && !st.stacks.empty() && st.stacks.front() == kEmptyStack;
}

bool Automaton::CanContinue(StateId s) const {
  if (s < 0) return false;
  const State& st = states_[s];
  return !st.stacks.empty() && st.stacks.back() != kEmptyStack;
}

}  // namespace inferno::grammar
