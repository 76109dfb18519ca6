#include "engine/grammar/gbnf.h"

#include <string>

#include "engine/util/utf8.h"

namespace inferno::grammar {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Nesting bound for groups: deeper input is refused rather than recursed into.
constexpr int kMaxDepth = 200;

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  Result<Grammar> Parse() {
    SkipSpace(true);
    while (ok() && !AtEnd()) {
      ParseRule();
      SkipSpace(true);
    }
    if (!ok()) return err_;
    if (!b_.Exists("root")) return Status::InvalidArgument("grammar: no rule 'root'");
    Result<Grammar> g = b_.Finish("root");
    if (!g.ok()) return Status::InvalidArgument("grammar: " + g.status().message());
    return g;
  }

 private:
  bool ok() const { return err_.ok(); }
  bool AtEnd() const { return pos_ >= src_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }

  // Records the first error, at the current position.
  bool Fail(const std::string& message) {
    if (!ok()) return false;
    int line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < src_.size(); ++i) {
      if (src_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((uint8_t(src_[i]) & 0xC0) != 0x80) {
        ++column;  // columns count characters, not bytes
      }
    }
    err_ = Status::InvalidArgument("grammar: line " + std::to_string(line) + ", column " +
                                   std::to_string(column) + ": " + message);
    return false;
  }

  // Spaces, tabs and comments; newlines too when `newlines` (inside parentheses, after
  // `::=` and `|`).
  void SkipSpace(bool newlines) {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++pos_;
      } else if (c == '#') {
        while (!AtEnd() && Peek() != '\n' && Peek() != '\r') ++pos_;
      } else {
        return;
      }
    }
  }

  std::string ParseName() {
    const size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    return std::string(src_.substr(start, pos_ - start));
  }

  void ParseRule() {
    std::string name = ParseName();
    if (name.empty()) {
      Fail("expected a rule name, found " + Found());
      return;
    }
    const uint32_t rule = b_.Rule(name);
    if (b_.Defined(rule)) {
      Fail("rule '" + name + "' is defined twice");
      return;
    }
    SkipSpace(false);
    if (src_.substr(pos_, 3) != "::=") {
      Fail("expected '::=' after '" + name + "', found " + Found());
      return;
    }
    pos_ += 3;
    SkipSpace(true);
    ParseAlternatives(rule, name, 0);
    if (ok() && !AtEnd() && Peek() != '\n' && Peek() != '\r') {
      Fail("expected the end of the line after rule '" + name + "', found " + Found());
    }
  }

  std::string Found() const {
    if (AtEnd()) return "the end of the grammar";
    if (Peek() == '\n' || Peek() == '\r') return "the end of the line";
    size_t i = pos_;
    std::string c;
    AppendUtf8(NextCodepoint(src_, &i), &c);
    return "'" + c + "'";
  }

  void ParseAlternatives(uint32_t rule, const std::string& name, int depth) {
    b_.Define(rule);
    for (;;) {
      Sequence seq;
      ParseSequence(name, depth, &seq);
      if (!ok()) return;
      b_.AddAlternative(rule, seq);
      if (Peek() != '|') return;
      ++pos_;
      SkipSpace(true);
    }
  }

  void ParseSequence(const std::string& name, int depth, Sequence* seq) {
    const bool nested = depth > 0;
    size_t last = seq->size();  // where the last item starts (postfix operators apply to it)
    bool have_item = false;
    while (ok() && !AtEnd()) {
      const char c = Peek();
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (!have_item) {
          Fail(std::string("expected an item before '") + c + "'");
          return;
        }
        ParsePostfix(name, last, seq);
      } else if (c == '"' || c == '[' || c == '.' || c == '(' || IsNameChar(c)) {
        last = seq->size();
        have_item = true;
        ParseItem(name, depth, seq);
      } else {
        return;  // '|', ')', a newline: the caller decides
      }
      SkipSpace(nested);
    }
  }

  void ParseItem(const std::string& name, int depth, Sequence* seq) {
    const char c = Peek();
    if (c == '"') {
      ParseLiteral(seq);
    } else if (c == '[') {
      ParseClass(seq);
    } else if (c == '.') {
      ++pos_;
      seq->push_back(b_.Chars(CharSet({}, /*negated=*/true)));
    } else if (c == '(') {
      if (depth >= kMaxDepth) {
        Fail("groups nested more than " + std::to_string(kMaxDepth) + " deep");
        return;
      }
      ++pos_;
      SkipSpace(true);
      const uint32_t group = b_.FreshRule(name + "-group");
      ParseAlternatives(group, name, depth + 1);
      if (!ok()) return;
      if (Peek() != ')') {
        Fail("expected ')' to close the group, found " + Found());
        return;
      }
      ++pos_;
      seq->push_back(Builder::Ref(group));
    } else {
      seq->push_back(Builder::Ref(b_.Rule(ParseName())));
    }
  }

  // One character of a literal or class: an escape or a UTF-8 code point.
  bool ParseChar(uint32_t* cp) {
    if (Peek() != '\\') {
      *cp = NextCodepoint(src_, &pos_);
      return true;
    }
    ++pos_;
    const char e = Peek();
    ++pos_;
    switch (e) {
      case 'n':
        *cp = '\n';
        return true;
      case 'r':
        *cp = '\r';
        return true;
      case 't':
        *cp = '\t';
        return true;
      case '\\':
      case '"':
      case '\'':
      case '[':
      case ']':
      case '-':
      case '^':
      case '/':
        *cp = uint32_t(uint8_t(e));
        return true;
      case 'x':
        return ParseHex(2, cp);
      case 'u':
        return ParseHex(4, cp);
      case 'U':
        return ParseHex(8, cp);
      default:
        --pos_;
        return Fail(e == '\0' ? std::string("the grammar ends inside an escape")
                              : "unknown escape '\\" + std::string(1, e) + "'");
    }
  }

  bool ParseHex(int digits, uint32_t* cp) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      const int h = HexValue(Peek());
      if (h < 0) return Fail("expected " + std::to_string(digits) + " hex digits in the escape");
      v = v * 16 + uint32_t(h);
      ++pos_;
    }
    if (v > 0x10FFFF) return Fail("escape beyond U+10FFFF");
    *cp = v;
    return true;
  }

  void ParseLiteral(Sequence* seq) {
    ++pos_;  // "
    while (ok()) {
      if (AtEnd() || Peek() == '\n' || Peek() == '\r') {
        Fail("unterminated string literal");
        return;
      }
      if (Peek() == '"') {
        ++pos_;
        return;
      }
      uint32_t cp = 0;
      if (ParseChar(&cp)) seq->push_back(b_.Char(cp));
    }
  }

  void ParseClass(Sequence* seq) {
    ++pos_;  // [
    const bool negated = Peek() == '^';
    if (negated) ++pos_;
    std::vector<std::pair<uint32_t, uint32_t>> ranges;
    while (ok()) {
      if (AtEnd() || Peek() == '\n' || Peek() == '\r') {
        Fail("unterminated character class");
        return;
      }
      if (Peek() == ']') {
        ++pos_;
        seq->push_back(b_.Chars(CharSet(std::move(ranges), negated)));
        return;
      }
      uint32_t lo = 0, hi = 0;
      if (!ParseChar(&lo)) return;
      hi = lo;
      const char after = Peek(1);
      if (Peek() == '-' && after != ']' && after != '\n' && after != '\r' && after != '\0') {
        ++pos_;
        if (!ParseChar(&hi)) return;
        if (hi < lo) {
          Fail("character range is reversed (its end is before its start)");
          return;
        }
      }
      ranges.push_back({lo, hi});
    }
  }

  // * + ? {m} {m,} {m,n} applied to the item that starts at seq[last].
  void ParsePostfix(const std::string& name, size_t last, Sequence* seq) {
    int min = 0, max = -1;
    const char c = Peek();
    ++pos_;
    if (c == '+') {
      min = 1;
    } else if (c == '?') {
      max = 1;
    } else if (c == '{' && !ParseBraces(&min, &max)) {
      return;
    }
    Element item;
    if (seq->size() - last == 1) {
      item = (*seq)[last];
    } else {
      // A multi-character literal repeats as a whole: it becomes a rule of its own.
      const uint32_t group = b_.FreshRule(name + "-group");
      b_.AddAlternative(group, Sequence(seq->begin() + ptrdiff_t(last), seq->end()));
      item = Builder::Ref(group);
    }
    seq->resize(last);
    if (Status st = b_.AppendRepeat(item, min, max, name, seq); !st.ok()) Fail(st.message());
  }

  bool ParseBraces(int* min, int* max) {
    SkipSpace(true);
    if (!ParseCount(min)) return Fail("expected a number after '{'");
    SkipSpace(true);
    *max = *min;
    if (Peek() == ',') {
      ++pos_;
      SkipSpace(true);
      *max = -1;
      if (Peek() != '}' && !ParseCount(max)) return Fail("expected a number or '}' after ','");
      SkipSpace(true);
    }
    if (Peek() != '}') return Fail("expected '}' to close the repetition, found " + Found());
    ++pos_;
    return true;
  }

  bool ParseCount(int* out) {
    if (Peek() < '0' || Peek() > '9') return false;
    int64_t v = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      v = std::min<int64_t>(v * 10 + (Peek() - '0'), int64_t(1) << 40);
      ++pos_;
    }
    *out = int(std::min<int64_t>(v, Builder::kMaxRepeat + 1));  // too big: AppendRepeat says so
    return true;
  }

  std::string_view src_;
  size_t pos_ = 0;
  Builder b_;
  Status err_ = Status::Ok();
};

}  // namespace

Result<Grammar> ParseGbnf(std::string_view text) { return Parser(text).Parse(); }

}  // namespace inferno::grammar
