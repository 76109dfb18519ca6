#include "engine/grammar/grammar.h"

#include <algorithm>
#include <functional>

#include "engine/util/utf8.h"

namespace inferno::grammar {

CharSet::CharSet(std::vector<std::pair<uint32_t, uint32_t>> ranges, bool negated)
    : negated_(negated) {
  std::sort(ranges.begin(), ranges.end());
  for (const auto& [lo, hi] : ranges) {
    if (lo > hi) continue;
    // Merged when overlapping or adjacent, so a covered interval lies inside one range.
    if (!ranges_.empty() && lo <= ranges_.back().second + 1) {
      ranges_.back().second = std::max(ranges_.back().second, hi);
    } else {
      ranges_.push_back({lo, hi});
    }
  }
  for (uint32_t cp = 0; cp < 128; ++cp) {
    if (InRanges(cp) != negated_) ascii_[cp >> 6] |= uint64_t(1) << (cp & 63);
  }
}

bool CharSet::InRanges(uint32_t cp) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(cp, UINT32_MAX));
  return it != ranges_.begin() && std::prev(it)->second >= cp;
}

bool CharSet::ContainsSlow(uint32_t cp) const {
  if (cp > 0x10FFFF) return !negated_ && InRanges(cp);  // the control mark: only named
  return InRanges(cp) != negated_;
}

bool CharSet::Intersects(uint32_t lo, uint32_t hi) const {
  if (!negated_) {
    for (const auto& [a, b] : ranges_) {
      if (a <= hi && b >= lo) return true;
    }
    return false;
  }
  // Some code point of [lo, hi] is outside the ranges unless one range covers it all.
  for (const auto& [a, b] : ranges_) {
    if (a <= lo && b >= hi) return false;
  }
  return true;
}

namespace {

// A code point as GBNF writes it inside quotes or brackets.
void AppendEscaped(uint32_t cp, bool in_class, std::string* out) {
  switch (cp) {
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '"':
      *out += in_class ? "\"" : "\\\"";
      return;
    default:
      break;
  }
  if (in_class && (cp == ']' || cp == '-' || cp == '^')) {
    *out += '\\';
    *out += char(cp);
    return;
  }
  if (cp < 0x20 || cp == 0x7F || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    char buf[16];
    snprintf(buf, sizeof(buf), cp <= 0xFF ? "\\x%02X" : cp <= 0xFFFF ? "\\u%04X" : "\\U%08X", cp);
    *out += buf;
    return;
  }
  AppendUtf8(cp, out);
}

}  // namespace

std::string CharSet::ToGbnf() const {
  std::string out;
  if (!negated_ && ranges_.size() == 1 && ranges_[0].first == ranges_[0].second) {
    out += '"';
    AppendEscaped(ranges_[0].first, false, &out);
    out += '"';
    return out;
  }
  out += negated_ ? "[^" : "[";
  for (const auto& [lo, hi] : ranges_) {
    AppendEscaped(lo, true, &out);
    if (hi == lo) continue;
    out += '-';
    AppendEscaped(hi, true, &out);
  }
  out += ']';
  return out;
}

std::string Grammar::ToGbnf() const {
  std::string out;
  for (uint32_t r = 0; r < rule_alts_.size(); ++r) {
    out += rule_names_[r] + " ::=";
    for (size_t a = 0; a < rule_alts_[r].size(); ++a) {
      if (a > 0) out += " |";
      if (elements_[rule_alts_[r][a]].type == ElementType::kEnd) out += " \"\"";
      for (uint32_t p = rule_alts_[r][a]; elements_[p].type != ElementType::kEnd; ++p) {
        out += ' ';
        const Element& e = elements_[p];
        out += e.type == ElementType::kRule ? rule_names_[e.ref] : sets_[e.ref].ToGbnf();
      }
    }
    out += '\n';
  }
  return out;
}

uint32_t Builder::Rule(std::string_view name) {
  auto it = ids_.find(std::string(name));
  if (it != ids_.end()) return it->second;
  const uint32_t id = uint32_t(names_.size());
  names_.emplace_back(name);
  ids_.emplace(std::string(name), id);
  defined_.push_back(false);
  alts_.emplace_back();
  return id;
}

uint32_t Builder::FreshRule(std::string_view base) {
  std::string name(base);
  for (int i = 1; Exists(name); ++i) name = std::string(base) + "-" + std::to_string(i);
  return Rule(name);
}

void Builder::AddAlternative(uint32_t r, const Sequence& seq) {
  alts_[r].push_back(seq);
  defined_[r] = true;
}

Element Builder::Chars(const CharSet& set) {
  auto [it, added] = set_ids_.emplace(set.Key(), uint32_t(sets_.size()));
  if (added) sets_.push_back(set);
  return {ElementType::kChars, it->second};
}

void Builder::AppendLiteral(std::string_view text, Sequence* seq) {
  for (size_t i = 0; i < text.size();) {
    if (uint8_t(text[i]) == kControlByte) {
      seq->push_back(Char(kControlMark));
      ++i;
      continue;
    }
    seq->push_back(Char(NextCodepoint(text, &i)));
  }
}

Status Builder::AppendRepeat(const Element& item, int min, int max, std::string_view base,
                             Sequence* seq) {
  if (min < 0 || min > kMaxRepeat || max > kMaxRepeat || (max >= 0 && max < min)) {
    return Status::InvalidArgument(
        "repetition {" + std::to_string(min) + "," +
        (max < 0 ? std::string() : std::to_string(max)) +
        "} is out of range (0 <= min <= max <= " + std::to_string(kMaxRepeat) + ")");
  }
  for (int i = 0; i < min; ++i) seq->push_back(item);
  if (max < 0) {
    // item* as a right-recursive rule: the tail call keeps a matcher's stacks flat.
    const uint32_t star = FreshRule(std::string(base) + "-star");
    AddAlternative(star, {item, Ref(star)});
    AddAlternative(star, {});
    seq->push_back(Ref(star));
    return Status::Ok();
  }
  // max - min optional items, nested so that each may follow only the one before it.
  uint32_t next = 0;
  bool have_next = false;
  for (int i = max - min; i > 0; --i) {
    const uint32_t opt = FreshRule(std::string(base) + "-opt");
    Sequence body = {item};
    if (have_next) body.push_back(Ref(next));
    AddAlternative(opt, body);
    AddAlternative(opt, {});
    next = opt;
    have_next = true;
  }
  if (have_next) seq->push_back(Ref(next));
  return Status::Ok();
}

Result<Grammar> Builder::Finish(std::string_view root) {
  auto it = ids_.find(std::string(root));
  if (it == ids_.end() || !defined_[it->second]) {
    return Status::InvalidArgument("the grammar has no rule '" + std::string(root) + "'");
  }
  for (size_t r = 0; r < names_.size(); ++r) {
    if (!defined_[r]) {
      return Status::InvalidArgument("rule '" + names_[r] + "' is used but not defined");
    }
  }
  Grammar g;
  g.root_ = it->second;
  g.rule_names_ = names_;
  g.sets_ = sets_;
  g.rule_alts_.resize(names_.size());
  for (size_t r = 0; r < names_.size(); ++r) {
    for (const Sequence& seq : alts_[r]) {
      g.rule_alts_[r].push_back(uint32_t(g.elements_.size()));
      g.elements_.insert(g.elements_.end(), seq.begin(), seq.end());
      g.elements_.push_back({ElementType::kEnd, 0});
    }
  }
  if (Status st = CheckLeftRecursion(g); !st.ok()) return st;
  return g;
}

Status Builder::CheckLeftRecursion(const Grammar& g) const {
  const size_t n = g.n_rules();
  // Rules that can match the empty string, to a fixed point.
  std::vector<bool> nullable(n, false);
  auto alt_nullable = [&](uint32_t p) {
    for (; g.elements_[p].type != ElementType::kEnd; ++p) {
      const Element& e = g.elements_[p];
      if (e.type == ElementType::kChars || !nullable[e.ref]) return false;
    }
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t r = 0; r < n; ++r) {
      if (nullable[r]) continue;
      for (uint32_t a : g.rule_alts_[r]) {
        if (alt_nullable(a)) nullable[r] = changed = true;
      }
    }
  }
  // Edges r -> s where s can be entered before anything is consumed in r.
  std::vector<std::vector<uint32_t>> left(n);
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t p : g.rule_alts_[r]) {
      for (; g.elements_[p].type == ElementType::kRule; ++p) {
        left[r].push_back(g.elements_[p].ref);
        if (!nullable[g.elements_[p].ref]) break;
      }
    }
  }
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<uint32_t> path;
  std::function<bool(uint32_t)> cycle = [&](uint32_t r) {
    color[r] = 1;
    path.push_back(r);
    for (uint32_t s : left[r]) {
      if (color[s] == 1) {
        path.push_back(s);
        return true;
      }
      if (color[s] == 0 && cycle(s)) return true;
    }
    path.pop_back();
    color[r] = 2;
    return false;
  };
  for (uint32_t r = 0; r < n; ++r) {
    if (color[r] != 0 || !cycle(r)) continue;
    std::string chain;
    const auto from = std::find(path.begin(), path.end(), path.back());
    for (auto p = from; p != path.end(); ++p) chain += (chain.empty() ? "" : " -> ") + names_[*p];
    return Status::InvalidArgument("rule '" + names_[path.back()] + "' is left-recursive (" +
                                   chain + "): it can reach itself before matching a character");
  }
  return Status::Ok();
}

}  // namespace inferno::grammar
