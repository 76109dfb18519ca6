#include "engine/template/lexer.h"

#include <cctype>
#include <cstring>

#include "engine/template/error.h"

namespace inferno::tmpl {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
 public:
  Lexer(std::string_view src, const LexOptions& o) : src_(src), opt_(o) {}

  std::vector<Token> Run() {
    while (pos_ < src_.size()) LexTextAndTag();
    Emit(TokenType::kEof, "", pos_);
    return std::move(out_);
  }

 private:
  [[noreturn]] void Error(size_t at, const std::string& msg) {
    auto [line, col] = Position(at);
    throw TemplateError("TemplateSyntaxError", msg, line, col);
  }

  std::pair<int, int> Position(size_t at) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < at && i < src_.size(); ++i) {
      if (src_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return {line, col};
  }

  void Emit(TokenType t, std::string text, size_t at) {
    // Positions are computed incrementally: tokens come in source order.
    for (; pos_line_at_ < at && pos_line_at_ < src_.size(); ++pos_line_at_) {
      if (src_[pos_line_at_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
    out_.push_back(Token{t, std::move(text), line_, col_});
  }

  size_t FindTagStart(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string_view::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && std::strchr("{%#", src_[i + 1])) return i;
    }
    return std::string_view::npos;
  }

  // Text up to the next tag, with the tag's whitespace control applied to it.
  void LexTextAndTag() {
    const size_t tag = FindTagStart(pos_);
    const size_t end = tag == std::string_view::npos ? src_.size() : tag;
    std::string_view text = src_.substr(pos_, end - pos_);
    if (tag != std::string_view::npos) text = StripBeforeTag(text, tag);
    if (!text.empty()) Emit(TokenType::kText, std::string(text), pos_);
    if (tag == std::string_view::npos) {
      pos_ = src_.size();
      return;
    }
    pos_ = tag;
    const char kind = src_[tag + 1];
    if (kind == '#') {
      LexComment();
    } else if (kind == '%') {
      LexBlock();
    } else {
      LexVariable();
    }
  }

  std::string_view StripBeforeTag(std::string_view text, size_t tag) {
    const char sign = tag + 2 < src_.size() ? src_[tag + 2] : 0;
    if (sign == '-') {
      size_t n = text.size();
      while (n > 0 && IsSpace(text[n - 1])) --n;
      return text.substr(0, n);
    }
    if (sign == '+' || src_[tag + 1] == '{' || !opt_.lstrip_blocks) return text;
    // lstrip_blocks: only spaces between the line start and the tag.
    const size_t nl = text.rfind('\n');
    const size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
    const bool at_line_start = nl != std::string_view::npos || pos_ == 0 || src_[pos_ - 1] == '\n';
    if (!at_line_start || line_start == text.size()) return text;
    for (size_t i = line_start; i < text.size(); ++i) {
      if (!IsSpace(text[i])) return text;
    }
    return text.substr(0, line_start);
  }

  // After a tag's end marker at `after`: `-` strips all following whitespace, else a block or
  // comment tag eats one newline (trim_blocks).
  void SkipAfterTag(bool minus, bool block_like) {
    if (minus) {
      while (pos_ < src_.size() && IsSpace(src_[pos_])) ++pos_;
    } else if (block_like && opt_.trim_blocks) {
      if (src_.substr(pos_, 2) == "\r\n") {
        pos_ += 2;
      } else if (pos_ < src_.size() && (src_[pos_] == '\n' || src_[pos_] == '\r')) {
        ++pos_;
      }
    }
  }

  void LexComment() {
    const size_t close = src_.find("#}", pos_ + 2);
    if (close == std::string_view::npos) Error(pos_, "missing end of comment tag");
    const bool minus = close > pos_ + 2 && src_[close - 1] == '-';
    pos_ = close + 2;
    SkipAfterTag(minus, true);
  }

  size_t SkipTagOpen(size_t at) const {
    at += 2;
    if (at < src_.size() && (src_[at] == '-' || src_[at] == '+')) ++at;
    return at;
  }

  void LexBlock() {
    const size_t start = pos_;
    size_t p = SkipTagOpen(pos_);
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.substr(p, 3) == "raw" && (p + 3 >= src_.size() || !std::isalnum(src_[p + 3]))) {
      LexRaw(p + 3);
      return;
    }
    Emit(TokenType::kBlockBegin, "", start);
    pos_ = SkipTagOpen(pos_);
    LexExpressionTokens(true);
  }

  // {% raw %}...{% endraw %}: the body is text, tags inside it are not interpreted.
  void LexRaw(size_t after_name) {
    size_t p = after_name;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    bool minus = false;
    if (p < src_.size() && src_[p] == '-') minus = true, ++p;
    if (src_.substr(p, 2) != "%}") Error(p, "expected '%}' after 'raw'");
    pos_ = p + 2;
    SkipAfterTag(minus, true);
    for (size_t q = FindTagStart(pos_); q != std::string_view::npos; q = FindTagStart(q + 1)) {
      if (src_[q + 1] != '%') continue;
      size_t r = SkipTagOpen(q);
      while (r < src_.size() && IsSpace(src_[r])) ++r;
      if (src_.substr(r, 6) != "endraw") continue;
      r += 6;
      while (r < src_.size() && IsSpace(src_[r])) ++r;
      bool end_minus = false;
      if (r < src_.size() && src_[r] == '-') end_minus = true, ++r;
      if (src_.substr(r, 2) != "%}") continue;
      std::string_view body = StripBeforeTag(src_.substr(pos_, q - pos_), q);
      if (!body.empty()) Emit(TokenType::kText, std::string(body), pos_);
      pos_ = r + 2;
      SkipAfterTag(end_minus, true);
      return;
    }
    Error(after_name, "missing '{% endraw %}'");
  }

  void LexVariable() {
    Emit(TokenType::kVarBegin, "", pos_);
    pos_ = SkipTagOpen(pos_);
    LexExpressionTokens(false);
  }

  // Tokens inside a tag, up to its end marker (ignored while brackets are open, as in Jinja2).
  void LexExpressionTokens(bool block) {
    const char* end = block ? "%}" : "}}";
    int depth = 0;
    while (true) {
      while (pos_ < src_.size() && IsSpace(src_[pos_])) ++pos_;
      if (pos_ >= src_.size()) Error(pos_, std::string("missing '") + end + "'");
      if (depth == 0) {
        const bool minus = src_[pos_] == '-' && src_.substr(pos_ + 1, 2) == end;
        if (minus || src_.substr(pos_, 2) == end) {
          Emit(block ? TokenType::kBlockEnd : TokenType::kVarEnd, "", pos_);
          pos_ += minus ? 3 : 2;
          SkipAfterTag(minus, block);
          return;
        }
      }
      LexOneToken(&depth);
    }
  }

  void LexOneToken(int* depth) {
    const char c = src_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = pos_;
      while (e < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_'))
        ++e;
      Emit(TokenType::kName, std::string(src_.substr(pos_, e - pos_)), pos_);
      pos_ = e;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      LexNumber();
    } else if (c == '"' || c == '\'') {
      LexString();
    } else {
      LexOperator(depth);
    }
  }

  void LexNumber() {
    size_t e = pos_;
    bool is_float = false;
    auto digits = [&] {
      while (e < src_.size() &&
             (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_'))
        ++e;
    };
    digits();
    if (e + 1 < src_.size() && src_[e] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t f = e + 1;
      if (f < src_.size() && (src_[f] == '+' || src_[f] == '-')) ++f;
      if (f < src_.size() && std::isdigit(static_cast<unsigned char>(src_[f]))) {
        is_float = true;
        e = f;
        digits();
      }
    }
    std::string text;
    for (char ch : src_.substr(pos_, e - pos_)) {
      if (ch != '_') text += ch;
    }
    Emit(is_float ? TokenType::kFloat : TokenType::kInt, text, pos_);
    pos_ = e;
  }

  void LexString() {
    const char quote = src_[pos_];
    const size_t start = pos_;
    std::string value;
    size_t p = pos_ + 1;
    while (true) {
      if (p >= src_.size()) Error(start, "unterminated string");
      const char c = src_[p];
      if (c == quote) break;
      if (c == '\\' && p + 1 < src_.size()) {
        p = Unescape(p + 1, &value);
        continue;
      }
      value += c;
      ++p;
    }
    Emit(TokenType::kString, std::move(value), start);
    pos_ = p + 1;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Python string escapes; returns the position after the escape. Unknown escapes keep the
  // backslash, as Python does.
  size_t Unescape(size_t p, std::string* out) {
    const char c = src_[p];
    static const char kFrom[] = "nrtbfav0\\'\"\n";
    static const char kTo[] = "\n\r\t\b\f\a\v\0\\'\"";
    if (const char* f = std::strchr(kFrom, c); f && c) {
      if (c != '\n') *out += kTo[f - kFrom];  // backslash-newline continues the line
      return p + 1;
    }
    const int hex_len = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (hex_len && p + hex_len < src_.size()) {
      const std::string hex(src_.substr(p + 1, hex_len));
      char* end = nullptr;
      const uint32_t cp = std::strtoul(hex.c_str(), &end, 16);
      if (end == hex.c_str() + hex_len) {
        AppendUtf8(cp, out);
        return p + 1 + hex_len;
      }
    }
    *out += '\\';
    *out += c;
    return p + 1;
  }

  void LexOperator(int* depth) {
    static const char* kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                 "/",  "%",  "~",  "<",  ">",  "(",  ")", "[", "]",
                                 "{",  "}",  ",",  ".",  ":",  "|",  "=", ";"};
    for (const char* op : kOps) {
      const size_t n = std::strlen(op);
      if (src_.substr(pos_, n) != op) continue;
      if (n == 1 && std::strchr("([{", op[0])) ++*depth;
      if (n == 1 && std::strchr(")]}", op[0]) && *depth > 0) --*depth;
      Emit(TokenType::kOperator, op, pos_);
      pos_ += n;
      return;
    }
    Error(pos_, std::string("unexpected char '") + src_[pos_] + "'");
  }

  std::string_view src_;
  LexOptions opt_;
  size_t pos_ = 0;
  std::vector<Token> out_;
  size_t pos_line_at_ = 0;
  int line_ = 1, col_ = 1;
};

}  // namespace

std::vector<Token> Lex(std::string_view source, const LexOptions& options) {
  // Like Jinja2: every line break becomes "\n" and one trailing newline is dropped
  // (keep_trailing_newline=False).
  std::string text;
  text.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      text += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      text += source[i];
    }
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return Lexer(text, options).Run();
}

}  // namespace inferno::tmpl
