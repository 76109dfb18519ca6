// Llama 3.1-3.3: a call is the whole reply, a JSON object {"name": ..., "parameters": {...}}
// (several separated by ";" at times), or after <|python_tag|> (the built-in tools' form: a
// JSON call, `NAME.call(key="value", ...)`, or code for the python tool). A reply that
// starts otherwise is the answer.
#include <boost/json.hpp>

#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

constexpr std::string_view kPythonTag = "<|python_tag|>";

bool IsCallKey(std::string_view key) { return key == "name" || key == "type"; }

// `NAME.call(k="v", n=1)`: the built-in tools' form, read once the generation is over.
bool ParseBuiltin(std::string_view s, ParsedCall* call) {
  const size_t dot = s.find(".call(");
  if (dot == std::string_view::npos || s.empty() || s.back() != ')') return false;
  boost::json::object args;
  std::string_view rest = s.substr(dot + 6, s.size() - dot - 7);
  while (!rest.empty()) {
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return false;
    std::string key(rest.substr(rest.find_first_not_of(" ,")));
    key.resize(key.find('='));
    const JsonSpan v = ScanJsonValue(rest, eq + 1);
    boost::json::error_code ec;
    const boost::json::value value = boost::json::parse(rest.substr(v.begin, v.end - v.begin), ec);
    if (!v.complete && v.end != rest.size()) return false;
    if (ec) return false;
    args[key] = value;
    rest = rest.substr(v.end);
    rest.remove_prefix(std::min(rest.find_first_not_of(" ,"), rest.size()));
  }
  call->name = std::string(s.substr(0, dot));
  call->arguments = boost::json::serialize(args);
  call->name_done = call->arguments_done = true;
  return true;
}

ToolParse ParsePythonTag(std::string_view s, bool final) {
  ToolParse p;
  const size_t at = SkipJsonSpace(s, 0);
  if (at < s.size() && s[at] == '{') {
    const JsonObjectScan obj = ScanJsonObject(s, at);
    if (obj.ok) p.calls.push_back(CallFromObject(s, obj));
    return p;
  }
  if (!final) return p;  // code or a built-in call: whole only at the end
  const std::string_view body = s.substr(at, s.find_last_not_of(" \n\r\t") + 1 - at);
  ParsedCall call;
  if (!ParseBuiltin(body, &call)) {
    call.name = "python";
    call.name_done = call.arguments_done = true;
    call.arguments = "{\"code\":" + JsonQuote(body) + "}";
  }
  p.calls.push_back(std::move(call));
  return p;
}

}  // namespace

ToolParse ParseLlama3(const ToolParseInput& in) {
  const std::string_view s = in.content;
  const size_t tag = s.find(kPythonTag);
  if (tag != std::string_view::npos) {
    ToolParse p = ParsePythonTag(s.substr(tag + kPythonTag.size()), in.final);
    p.content = std::string(s.substr(0, tag));
    return p;
  }
  ToolParse p;
  size_t pos = SkipJsonSpace(s, 0);
  if (pos >= s.size() || s[pos] != '{') {
    // Leading whitespace waits: a call may follow it.
    if (pos < s.size() || in.final) AddContent(&p, s, in.final, {kPythonTag});
    return p;
  }
  while (pos < s.size() && s[pos] == '{') {
    const JsonObjectScan obj = ScanJsonObject(s, pos);
    if (!obj.ok || (obj.members.empty() && !obj.span.complete)) break;  // undecided yet
    if (obj.members.empty() || !IsCallKey(obj.members[0].key)) break;
    p.calls.push_back(CallFromObject(s, obj));
    if (!obj.span.complete) return p;
    pos = SkipJsonSpace(s, obj.span.end);
    if (pos < s.size() && s[pos] == ';') pos = SkipJsonSpace(s, pos + 1);
  }
  if (p.calls.empty()) {
    // Not (yet) a call: an object whose first key is still coming waits.
    const JsonObjectScan obj = ScanJsonObject(s, pos);
    const bool undecided = obj.ok && obj.members.empty() && !obj.span.complete;
    if (!undecided || in.final) AddContent(&p, s, true, {});
    return p;
  }
  AddContent(&p, s.substr(pos), in.final, {});
  return p;
}

}  // namespace inferno::request
