#include "engine/request/tool_json.h"

#include <boost/json.hpp>

namespace inferno::request {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Past the string whose opening quote is at `pos`; npos when the text ends inside it.
size_t StringEnd(std::string_view s, size_t pos) {
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Past the object or array opening at `pos`; npos when the text ends inside it.
size_t ContainerEnd(std::string_view s, size_t pos) {
  int depth = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      i = StringEnd(s, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

bool LiteralChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' ||
         c == 'E';
}

}  // namespace

size_t SkipJsonSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  return pos;
}

JsonSpan ScanJsonValue(std::string_view s, size_t pos) {
  JsonSpan span;
  span.begin = span.end = SkipJsonSpace(s, pos);
  if (span.begin >= s.size()) return span;
  const char c = s[span.begin];
  size_t end = std::string_view::npos;
  if (c == '"') {
    end = StringEnd(s, span.begin);
  } else if (c == '{' || c == '[') {
    end = ContainerEnd(s, span.begin);
  } else {
    size_t i = span.begin;
    while (i < s.size() && LiteralChar(s[i])) ++i;
    if (i < s.size()) end = i;
  }
  span.complete = end != std::string_view::npos;
  span.end = span.complete ? end : s.size();
  return span;
}

const JsonMember* JsonObjectScan::Find(std::string_view key) const {
  for (const JsonMember& m : members) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

JsonObjectScan ScanJsonObject(std::string_view s, size_t pos) {
  JsonObjectScan out;
  size_t i = SkipJsonSpace(s, pos);
  out.span.begin = out.span.end = i;
  if (i >= s.size() || s[i] != '{') return out;
  out.ok = true;
  ++i;
  while (true) {
    i = SkipJsonSpace(s, i);
    if (i >= s.size()) break;
    if (s[i] == '}') {
      out.span.complete = true;
      out.span.end = i + 1;
      return out;
    }
    if (s[i] == ',' && !out.members.empty()) i = SkipJsonSpace(s, i + 1);
    if (i >= s.size()) break;
    const JsonSpan key = ScanJsonValue(s, i);
    if (!key.complete) break;
    JsonMember m;
    if (s[key.begin] != '"' || !JsonStringValue(s, key, &m.key)) {
      out.ok = false;
      return out;
    }
    i = SkipJsonSpace(s, key.end);
    if (i >= s.size()) break;
    if (s[i] != ':') {
      out.ok = false;
      return out;
    }
    m.value = ScanJsonValue(s, i + 1);
    out.members.push_back(m);
    if (!m.value.complete) break;
    i = m.value.end;
  }
  out.span.end = s.size();
  return out;
}

bool JsonStringValue(std::string_view s, const JsonSpan& span, std::string* out) {
  if (!span.complete || span.end <= span.begin || s[span.begin] != '"') return false;
  boost::json::error_code ec;
  const boost::json::value v = boost::json::parse(s.substr(span.begin, span.end - span.begin), ec);
  if (ec || !v.is_string()) return false;
  *out = std::string(v.as_string());
  return true;
}

std::string JsonQuote(std::string_view text) {
  return boost::json::serialize(boost::json::value(boost::json::string(text)));
}

}  // namespace inferno::request
