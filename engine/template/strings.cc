#include "engine/template/strings.h"

#include <algorithm>
#include <cctype>

#include "engine/template/error.h"

namespace inferno::tmpl {

std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) n = 1;
    }
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

bool IsPySpace(std::string_view cp) {
  if (cp.size() == 1) {
    const char c = cp[0];
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
  }
  // U+0085, U+00A0, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+1680.
  static const char* kSpaces[] = {"\xc2\x85",     "\xc2\xa0",     "\xe2\x80\xa8", "\xe2\x80\xa9",
                                  "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xe1\x9a\x80"};
  for (const char* sp : kSpaces) {
    if (cp == sp) return true;
  }
  return cp.size() == 3 && cp[0] == '\xe2' && cp[1] == '\x80' &&
         static_cast<unsigned char>(cp[2]) <= 0x8a;
}

std::string Strip(std::string_view s, const std::string* chars, bool left, bool right) {
  const std::vector<std::string_view> cps = CodePoints(s);
  std::vector<std::string_view> set;
  if (chars) set = CodePoints(*chars);
  auto strip_it = [&](std::string_view cp) {
    return chars ? std::find(set.begin(), set.end(), cp) != set.end() : IsPySpace(cp);
  };
  size_t b = 0, e = cps.size();
  if (left) {
    while (b < e && strip_it(cps[b])) ++b;
  }
  if (right) {
    while (e > b && strip_it(cps[e - 1])) --e;
  }
  std::string out;
  for (size_t i = b; i < e; ++i) out += cps[i];
  return out;
}

static std::vector<std::string> SplitWhitespace(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  const std::vector<std::string_view> cps = CodePoints(s);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && IsPySpace(cps[i])) ++i;
    if (i == cps.size()) break;
    std::string word;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      for (; i < cps.size(); ++i) word += cps[i];
      out.push_back(Strip(word, nullptr, false, true));
      break;
    }
    while (i < cps.size() && !IsPySpace(cps[i])) word += cps[i++];
    out.push_back(std::move(word));
  }
  return out;
}

std::vector<std::string> Split(std::string_view s, const std::string* sep, int64_t maxsplit) {
  if (!sep) return SplitWhitespace(s, maxsplit);
  if (sep->empty()) Fail("ValueError", "empty separator");
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t p = sep->empty() ? std::string_view::npos : s.find(*sep, start);
    if (p == std::string_view::npos) break;
    out.emplace_back(s.substr(start, p - start));
    start = p + sep->size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> RSplit(std::string_view s, const std::string* sep, int64_t maxsplit) {
  if (!sep || maxsplit < 0) return Split(s, sep, maxsplit);
  std::vector<std::string> out;
  size_t end = s.size();
  while (static_cast<int64_t>(out.size()) < maxsplit && !sep->empty()) {
    if (end < sep->size()) break;
    const size_t p = s.rfind(*sep, end - sep->size());
    if (p == std::string_view::npos) break;
    out.emplace_back(s.substr(p + sep->size(), end - p - sep->size()));
    end = p;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::string Replace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` around every code point.
    int64_t done = 0;
    for (std::string_view cp : CodePoints(s)) {
      if (count < 0 || done++ < count) out += to;
      out += cp;
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  size_t start = 0;
  for (int64_t n = 0; count < 0 || n < count; ++n) {
    const size_t p = s.find(from, start);
    if (p == std::string_view::npos) break;
    out += s.substr(start, p - start);
    out += to;
    start = p + from.size();
  }
  out += s.substr(start);
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Capitalize(std::string_view s) {
  std::string out = Lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string Title(std::string_view s) {
  std::string out(s);
  bool prev_letter = false;
  for (char& c : out) {
    const unsigned char u = c;
    const bool letter = std::isalpha(u) || u >= 0x80;
    if (std::isalpha(u)) c = static_cast<char>(prev_letter ? std::tolower(u) : std::toupper(u));
    prev_letter = letter;
  }
  return out;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.emplace_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

}  // namespace inferno::tmpl
