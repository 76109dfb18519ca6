#include "engine/grammar/schema_regex.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/util/utf8.h"

namespace inferno::grammar {
namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

constexpr int kMaxDepth = 100;

// The JSON text of one character inside a string: itself, or its escape.
std::string JsonText(uint32_t cp) {
  switch (cp) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\t':
      return "\\t";
    case '\r':
      return "\\r";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    default:
      break;
  }
  std::string out;
  if (cp < 0x20) {
    char buf[8];
    snprintf(buf, sizeof(buf), "\\u%04x", cp);
    return buf;
  }
  AppendUtf8(cp, &out);
  return out;
}

bool InRanges(const Ranges& r, uint32_t cp) {
  for (const auto& [lo, hi] : r) {
    if (cp >= lo && cp <= hi) return true;
  }
  return false;
}

class RegexParser {
 public:
  RegexParser(std::string_view src, Element json_char, Builder* b)
      : src_(src), any_(json_char), b_(b) {}

  Status Parse(Sequence* seq) {
    bool head = false, tail = false;
    if (!src_.empty() && src_.front() == '^') {
      head = true;
      src_.remove_prefix(1);
    }
    if (!src_.empty() && src_.back() == '$' && !EscapedAt(src_.size() - 1)) {
      tail = true;
      src_.remove_suffix(1);
    }
    if (!head) INFERNO_RETURN_IF_ERROR(b_->AppendRepeat(any_, 0, -1, "pattern-any", seq));
    const uint32_t body = b_->FreshRule("pattern");
    INFERNO_RETURN_IF_ERROR(ParseAlternatives(body, 0));
    if (pos_ < src_.size()) return Error("unbalanced ')'");
    seq->push_back(Builder::Ref(body));
    if (!tail) INFERNO_RETURN_IF_ERROR(b_->AppendRepeat(any_, 0, -1, "pattern-any", seq));
    return Status::Ok();
  }

 private:
  bool EscapedAt(size_t i) const {
    size_t n = 0;
    while (i > n && src_[i - n - 1] == '\\') ++n;
    return n % 2 == 1;
  }
  bool AtEnd() const { return pos_ >= src_.size(); }
  char Peek() const { return AtEnd() ? '\0' : src_[pos_]; }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("pattern '" + std::string(src_) + "': " + what + " (at offset " +
                                   std::to_string(pos_) + ")");
  }

  Status ParseAlternatives(uint32_t rule, int depth) {
    if (depth > kMaxDepth) return Error("groups nested too deep");
    for (;;) {
      Sequence seq;
      INFERNO_RETURN_IF_ERROR(ParseSequence(depth, &seq));
      b_->AddAlternative(rule, seq);
      if (Peek() != '|') return Status::Ok();
      ++pos_;
    }
  }

  Status ParseSequence(int depth, Sequence* seq) {
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      Sequence atom;
      INFERNO_RETURN_IF_ERROR(ParseAtom(depth, &atom));
      INFERNO_RETURN_IF_ERROR(ParseQuantifier(std::move(atom), seq));
    }
    return Status::Ok();
  }

  Status ParseQuantifier(Sequence atom, Sequence* seq) {
    int min = 1, max = 1;
    const char c = Peek();
    if (c == '*' || c == '+' || c == '?') {
      ++pos_;
      min = c == '+' ? 1 : 0;
      max = c == '?' ? 1 : -1;
    } else if (c == '{' && IsCount()) {
      ++pos_;
      INFERNO_RETURN_IF_ERROR(ParseCount(&min, &max));
    } else {
      seq->insert(seq->end(), atom.begin(), atom.end());
      return Status::Ok();
    }
    if (Peek() == '?') ++pos_;  // lazy: the same strings
    if (Peek() == '*' || Peek() == '+' || (Peek() == '?' && c != '?')) {
      return Error("possessive or doubled quantifiers are not supported");
    }
    if (atom.empty()) return Status::Ok();
    const Element item = atom.size() == 1 ? atom[0] : Builder::Ref(Wrap(atom));
    Status st = b_->AppendRepeat(item, min, max, "pattern", seq);
    return st.ok() ? st : Error(st.message());
  }

  uint32_t Wrap(const Sequence& s) {
    const uint32_t r = b_->FreshRule("pattern");
    b_->AddAlternative(r, s);
    return r;
  }

  bool IsCount() const {
    size_t i = pos_ + 1;
    return i < src_.size() && src_[i] >= '0' && src_[i] <= '9';
  }

  Status ParseCount(int* min, int* max) {
    auto number = [&](int* out) {
      int64_t v = 0;
      bool any = false;
      while (Peek() >= '0' && Peek() <= '9') {
        v = std::min<int64_t>(v * 10 + (Peek() - '0'), Builder::kMaxRepeat + 1);
        ++pos_;
        any = true;
      }
      *out = int(v);
      return any;
    };
    number(min);
    *max = *min;
    if (Peek() == ',') {
      ++pos_;
      if (!number(max)) *max = -1;
    }
    if (Peek() != '}') return Error("expected '}' closing a repetition");
    ++pos_;
    return Status::Ok();
  }

  Status ParseAtom(int depth, Sequence* out) {
    const char c = Peek();
    if (c == '(') return ParseGroup(depth, out);
    if (c == '[') return ParseClass(out);
    if (c == '.') {
      ++pos_;  // any character but line terminators (ECMAScript)
      Class({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}, /*negated=*/true, out);
      return Status::Ok();
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') return Error("nothing to repeat");
    if (c == '^' || c == '$') return Error("anchors are only supported at the ends");
    if (c == '\\') {
      Ranges ranges;
      bool negated = false;
      uint32_t cp = 0;
      INFERNO_RETURN_IF_ERROR(ParseEscape(&cp, &ranges, &negated));
      if (ranges.empty() && !negated) {
        Literal(cp, out);
      } else {
        Class(ranges, negated, out);
      }
      return Status::Ok();
    }
    Literal(NextCodepoint(src_, &pos_), out);
    return Status::Ok();
  }

  Status ParseGroup(int depth, Sequence* out) {
    ++pos_;
    if (Peek() == '?') {
      if (src_.substr(pos_, 2) != "?:")
        return Error("lookaround and named groups are not supported");
      pos_ += 2;
    }
    const uint32_t r = b_->FreshRule("pattern-group");
    INFERNO_RETURN_IF_ERROR(ParseAlternatives(r, depth + 1));
    if (Peek() != ')') return Error("missing ')'");
    ++pos_;
    out->push_back(Builder::Ref(r));
    return Status::Ok();
  }

  // An escape: a character (cp) or a class (ranges, negated).
  Status ParseEscape(uint32_t* cp, Ranges* ranges, bool* negated) {
    ++pos_;
    if (AtEnd()) return Error("the pattern ends with '\\'");
    const char e = src_[pos_++];
    switch (e) {
      case 'd':
      case 'D':
        *ranges = {{'0', '9'}};
        *negated = e == 'D';
        return Status::Ok();
      case 'w':
      case 'W':
        *ranges = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
        *negated = e == 'W';
        return Status::Ok();
      case 's':
      case 'S':
        *ranges = {{'\t', '\r'}, {' ', ' '}};
        *negated = e == 'S';
        return Status::Ok();
      case 'n':
        *cp = '\n';
        return Status::Ok();
      case 't':
        *cp = '\t';
        return Status::Ok();
      case 'r':
        *cp = '\r';
        return Status::Ok();
      case 'f':
        *cp = '\f';
        return Status::Ok();
      case 'v':
        *cp = '\v';
        return Status::Ok();
      case 'u': {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
          const char h = Peek();
          const int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
          if (d < 0) return Error("expected 4 hex digits after \\u");
          v = v * 16 + uint32_t(d);
          ++pos_;
        }
        *cp = v;
        return Status::Ok();
      }
      case 'b':
      case 'B':
        return Error("word boundaries are not supported");
      default:
        if (e >= '1' && e <= '9') return Error("backreferences are not supported");
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
          return Error(std::string("unknown escape '\\") + e + "'");
        }
        --pos_;
        *cp = NextCodepoint(src_, &pos_);
        return Status::Ok();
    }
  }

  Status ParseClass(Sequence* out) {
    ++pos_;
    const bool negated = Peek() == '^';
    if (negated) ++pos_;
    Ranges ranges;
    bool first = true;
    while (!AtEnd() && (Peek() != ']' || first)) {
      first = false;
      uint32_t lo = 0;
      if (Peek() == '\\') {
        Ranges sub;
        bool sub_negated = false;
        INFERNO_RETURN_IF_ERROR(ParseEscape(&lo, &sub, &sub_negated));
        if (sub_negated) return Error("negated escapes inside a class are not supported");
        if (!sub.empty()) {
          ranges.insert(ranges.end(), sub.begin(), sub.end());
          continue;
        }
      } else {
        lo = NextCodepoint(src_, &pos_);
      }
      uint32_t hi = lo;
      if (Peek() == '-' && pos_ + 1 < src_.size() && src_[pos_ + 1] != ']') {
        ++pos_;
        Ranges sub;
        bool sub_negated = false;
        if (Peek() == '\\') {
          INFERNO_RETURN_IF_ERROR(ParseEscape(&hi, &sub, &sub_negated));
          if (!sub.empty() || sub_negated) return Error("a class cannot end a range");
        } else {
          hi = NextCodepoint(src_, &pos_);
        }
        if (hi < lo) return Error("reversed range in a class");
      }
      ranges.push_back({lo, hi});
    }
    if (AtEnd()) return Error("missing ']'");
    ++pos_;
    Class(ranges, negated, out);
    return Status::Ok();
  }

  void Literal(uint32_t cp, Sequence* out) { b_->AppendLiteral(JsonText(cp), out); }

  // A class over decoded characters, matched in JSON text: characters JSON escapes become
  // their escape sequences, as further alternatives.
  void Class(Ranges ranges, bool negated, Sequence* out) {
    std::vector<uint32_t> escaped;  // members that appear escaped
    for (uint32_t cp : {uint32_t('"'), uint32_t('\\'), uint32_t('\n'), uint32_t('\t'),
                        uint32_t('\r'), uint32_t('\b'), uint32_t('\f')}) {
      if (InRanges(ranges, cp) != negated) escaped.push_back(cp);
    }
    if (!negated) {
      for (const auto& [lo, hi] : ranges) {
        for (uint32_t cp = lo; cp <= std::min<uint32_t>(hi, 0x1F); ++cp) {
          if (std::find(escaped.begin(), escaped.end(), cp) == escaped.end()) escaped.push_back(cp);
        }
      }
    }
    // The unescaped members: the set without what JSON escapes.
    Ranges plain;
    if (negated) {
      plain = ranges;
      plain.push_back({0, 0x1F});
      plain.push_back({'"', '"'});
      plain.push_back({'\\', '\\'});
    } else {
      for (auto [lo, hi] : ranges) {
        lo = std::max<uint32_t>(lo, 0x20);
        for (uint32_t cut : {uint32_t('"'), uint32_t('\\')}) {
          if (lo <= cut && cut <= hi) {
            if (lo < cut) plain.push_back({lo, cut - 1});
            lo = cut + 1;
          }
        }
        if (lo <= hi) plain.push_back({lo, hi});
      }
    }
    const Element set = b_->Chars(CharSet(plain, negated));
    if (escaped.empty()) {
      out->push_back(set);
      return;
    }
    const uint32_t r = b_->FreshRule("pattern-class");
    b_->AddAlternative(r, {set});
    for (uint32_t cp : escaped) {
      Sequence s;
      Literal(cp, &s);
      b_->AddAlternative(r, s);
    }
    out->push_back(Builder::Ref(r));
  }

  std::string_view src_;
  size_t pos_ = 0;
  Element any_;
  Builder* b_;
};

}  // namespace

Status AppendPattern(std::string_view pattern, Element json_char, Builder* b, Sequence* seq) {
  return RegexParser(pattern, json_char, b).Parse(seq);
}

}  // namespace inferno::grammar
