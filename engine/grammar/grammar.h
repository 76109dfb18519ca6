// A context-free grammar over Unicode code points, the form every constraint compiles to (GBNF
// text, JSON Schema): rules made of alternatives, each a sequence of elements that are either a
// character set or a reference to a rule. Repetitions and groups are already expanded into
// generated rules, so a matcher (matcher.h) needs only these two element kinds.
//
// Layout: one flat element array; each alternative is a run of elements ended by kEnd, and a
// rule is the list of its alternatives' start positions. A position therefore names "the rest of
// this alternative", which is what a matcher's stack entries hold.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/util/status.h"

namespace inferno::grammar {

// Control tokens (a chat syntax's markers such as gpt-oss' <|message|>) are spelled in the
// grammar's input as the byte 0xFF, which no UTF-8 text contains, followed by their text: the
// vocabulary trie gives them that spelling and the matcher reads the byte as the code point
// kControlMark, beyond Unicode. A grammar therefore produces a control token only where a
// literal names it (a 0xFF byte in AppendLiteral's text); no character class, negated or not,
// ever holds the mark.
constexpr uint8_t kControlByte = 0xFF;
constexpr uint32_t kControlMark = 0x110000;

// A set of code points: sorted, non-overlapping, non-adjacent ranges, possibly negated.
class CharSet {
 public:
  CharSet() = default;
  // Ranges in any order, overlapping or not; normalised here.
  CharSet(std::vector<std::pair<uint32_t, uint32_t>> ranges, bool negated);
  static CharSet Single(uint32_t cp) { return CharSet({{cp, cp}}, false); }

  bool Contains(uint32_t cp) const {
    if (cp < 128) return (ascii_[cp >> 6] >> (cp & 63)) & 1;
    return ContainsSlow(cp);
  }
  // Whether some code point in [lo, hi] is in the set (a partial UTF-8 character's range).
  bool Intersects(uint32_t lo, uint32_t hi) const;
  bool negated() const { return negated_; }
  const std::vector<std::pair<uint32_t, uint32_t>>& ranges() const { return ranges_; }
  // GBNF text of the set: [a-z], [^"\\], or a quoted single character.
  std::string ToGbnf() const;

  auto Key() const { return std::make_pair(negated_, ranges_); }

 private:
  bool ContainsSlow(uint32_t cp) const;
  bool InRanges(uint32_t cp) const;

  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
  bool negated_ = false;
  uint64_t ascii_[2] = {0, 0};  // membership of 0..127, precomputed (the common case)
};

enum class ElementType : uint8_t { kEnd, kChars, kRule };

struct Element {
  ElementType type = ElementType::kEnd;
  uint32_t ref = 0;  // kChars: index into sets(); kRule: rule id
};

class Grammar {
 public:
  const std::vector<Element>& elements() const { return elements_; }
  const std::vector<CharSet>& sets() const { return sets_; }
  size_t n_rules() const { return rule_alts_.size(); }
  // Start positions (into elements()) of rule r's alternatives.
  const std::vector<uint32_t>& alternatives(uint32_t r) const { return rule_alts_[r]; }
  const std::string& rule_name(uint32_t r) const { return rule_names_[r]; }
  uint32_t root() const { return root_; }
  // The grammar as GBNF text (one line per rule), which parses back to the same language.
  std::string ToGbnf() const;

 private:
  friend class Builder;
  std::vector<Element> elements_;
  std::vector<CharSet> sets_;
  std::vector<std::vector<uint32_t>> rule_alts_;
  std::vector<std::string> rule_names_;
  uint32_t root_ = 0;
};

// An alternative while building: a sequence of elements (without the kEnd).
using Sequence = std::vector<Element>;

// Builds a Grammar rule by rule. Rules may be referenced before they are defined; Finish()
// checks that every referenced rule has a definition and refuses left recursion (which no
// top-down matcher can run).
class Builder {
 public:
  // The id of the rule called `name`, declaring it on first use.
  uint32_t Rule(std::string_view name);
  // A new rule whose name starts with `base` and is not used yet ("value-3").
  uint32_t FreshRule(std::string_view base);
  bool Defined(uint32_t rule) const { return defined_[rule]; }
  bool Exists(std::string_view name) const { return ids_.count(std::string(name)) > 0; }
  // Appends an alternative to rule r (which becomes defined).
  void AddAlternative(uint32_t r, const Sequence& seq);
  void Define(uint32_t r) { defined_[r] = true; }

  Element Chars(const CharSet& set);
  Element Char(uint32_t cp) { return Chars(CharSet::Single(cp)); }
  static Element Ref(uint32_t rule) { return {ElementType::kRule, rule}; }
  // A literal: one element per code point of UTF-8 `text` (appended to seq); a kControlByte
  // in it is the mark of the control token whose text follows.
  void AppendLiteral(std::string_view text, Sequence* seq);

  // Repetition of `item` (one element) between min and max times (max < 0: unbounded), as
  // elements appended to seq; generated rules are named after `base`.
  Status AppendRepeat(const Element& item, int min, int max, std::string_view base, Sequence* seq);

  Result<Grammar> Finish(std::string_view root);

  static constexpr int kMaxRepeat = 10000;  // bound on {m,n}: keeps generated grammars small

 private:
  Status CheckLeftRecursion(const Grammar& g) const;

  std::vector<std::string> names_;
  std::map<std::string, uint32_t> ids_;
  std::vector<bool> defined_;
  std::vector<std::vector<Sequence>> alts_;
  std::vector<CharSet> sets_;
  std::map<std::pair<bool, std::vector<std::pair<uint32_t, uint32_t>>>, uint32_t> set_ids_;
};

}  // namespace inferno::grammar
