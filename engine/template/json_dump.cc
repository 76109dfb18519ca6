#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/template/builtins.h"
#include "engine/template/error.h"
#include "engine/template/strings.h"

namespace inferno::tmpl {
namespace {

uint32_t DecodeUtf8(std::string_view cp) {
  const unsigned char c = cp[0];
  if (cp.size() == 1) return c;
  uint32_t v = c & (cp.size() == 2 ? 0x1f : cp.size() == 3 ? 0x0f : 0x07);
  for (size_t i = 1; i < cp.size(); ++i) v = (v << 6) | (cp[i] & 0x3f);
  return v;
}

void AppendEscaped(std::string_view s, bool ensure_ascii, std::string* out) {
  *out += '"';
  char buf[16];
  for (std::string_view cp : CodePoints(s)) {
    const unsigned char c = cp[0];
    if (cp.size() == 1 && c < 0x80) {
      switch (c) {
        case '"':
          *out += "\\\"";
          continue;
        case '\\':
          *out += "\\\\";
          continue;
        case '\n':
          *out += "\\n";
          continue;
        case '\r':
          *out += "\\r";
          continue;
        case '\t':
          *out += "\\t";
          continue;
        case '\b':
          *out += "\\b";
          continue;
        case '\f':
          *out += "\\f";
          continue;
        default:
          if (c < 0x20) {
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            *out += buf;
          } else {
            *out += static_cast<char>(c);
          }
          continue;
      }
    }
    if (!ensure_ascii) {
      *out += cp;
      continue;
    }
    uint32_t v = DecodeUtf8(cp);
    if (v >= 0x10000) {
      v -= 0x10000;
      std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04x", v);
    }
    *out += buf;
  }
  *out += '"';
}

std::string KeyString(const Value& k) {
  if (k.is_string()) return k.as_string();
  if (k.is_bool()) return k.as_bool() ? "true" : "false";
  if (k.is_none()) return "null";
  if (k.is_int() || k.is_float()) return k.Repr();
  Fail("TypeError", "keys must be str, int, float, bool or None, not " + k.TypeName());
}

class Dumper {
 public:
  explicit Dumper(const JsonStyle& s) : s_(s) {}
  void Dump(const Value& v, int level, std::string* out);

 private:
  void Newline(int level, std::string* out) const {
    *out += '\n';
    for (int i = 0; i < level; ++i) *out += *s_.indent;
  }
  void DumpList(const List& l, int level, std::string* out);
  void DumpDict(const Dict& d, int level, std::string* out);
  const JsonStyle& s_;
};

void Dumper::Dump(const Value& v, int level, std::string* out) {
  if (v.is_none()) {
    *out += "null";
  } else if (v.is_bool()) {
    *out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    *out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    const double d = v.as_float();
    *out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d < 0 ? "-Infinity" : "Infinity") : v.Repr();
  } else if (v.is_string()) {
    AppendEscaped(v.as_string(), s_.ensure_ascii, out);
  } else if (v.is_list() && !v.as_list().generator) {
    DumpList(v.as_list(), level, out);
  } else if (v.is_dict() && !v.as_dict().is_namespace) {
    DumpDict(v.as_dict(), level, out);
  } else {
    Fail("TypeError", "Object of type " + v.TypeName() + " is not JSON serializable");
  }
}

void Dumper::DumpList(const List& l, int level, std::string* out) {
  if (l.items.empty()) {
    *out += "[]";
    return;
  }
  *out += '[';
  for (size_t i = 0; i < l.items.size(); ++i) {
    if (i) *out += s_.item_separator;
    if (s_.indent) Newline(level + 1, out);
    Dump(l.items[i], level + 1, out);
  }
  if (s_.indent) Newline(level, out);
  *out += ']';
}

void Dumper::DumpDict(const Dict& d, int level, std::string* out) {
  if (d.items.empty()) {
    *out += "{}";
    return;
  }
  std::vector<std::pair<std::string, const Value*>> items;
  for (const auto& [k, v] : d.items) items.emplace_back(KeyString(k), &v);
  if (s_.sort_keys) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  *out += '{';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += s_.item_separator;
    if (s_.indent) Newline(level + 1, out);
    AppendEscaped(items[i].first, s_.ensure_ascii, out);
    *out += s_.key_separator;
    Dump(*items[i].second, level + 1, out);
  }
  if (s_.indent) Newline(level, out);
  *out += '}';
}

}  // namespace

std::string JsonDumps(const Value& v, const JsonStyle& style) {
  std::string out;
  Dumper(style).Dump(v, 0, &out);
  return out;
}

}  // namespace inferno::tmpl
