// Mistral: [TOOL_CALLS] then either a JSON array of {"name", "arguments"(, "id")} objects
// (Mistral Nemo, Small 3.1 and before) or, in the 2025 templates (Small 3.2, Devstral,
// Magistral), NAME[ARGS]{...} (optionally NAME[CALL_ID]ID[ARGS]{...}), one [TOOL_CALLS] per
// call. Text before the first [TOOL_CALLS] is the answer.
#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

constexpr std::string_view kCalls = "[TOOL_CALLS]";
constexpr std::string_view kArgs = "[ARGS]";
constexpr std::string_view kCallId = "[CALL_ID]";

// [{...}, {...}] from `pos`; returns where it ended, npos while it is being written (or
// when it breaks off: what came is all there is).
size_t ReadArray(std::string_view s, size_t pos, ToolParse* p) {
  pos = SkipJsonSpace(s, pos + 1);
  while (pos < s.size() && s[pos] != ']') {
    const JsonObjectScan obj = ScanJsonObject(s, pos);
    if (!obj.ok) return std::string_view::npos;
    p->calls.push_back(CallFromObject(s, obj));
    if (!obj.span.complete) return std::string_view::npos;
    pos = SkipJsonSpace(s, obj.span.end);
    if (pos < s.size() && s[pos] == ',') pos = SkipJsonSpace(s, pos + 1);
  }
  return pos < s.size() ? pos + 1 : std::string_view::npos;
}

// NAME[ARGS]{...} from `pos`; returns where it ended, npos while it is being written.
size_t ReadNamed(std::string_view s, size_t pos, ToolParse* p) {
  const size_t args = s.find(kArgs, pos);
  ParsedCall call;
  if (args == std::string_view::npos) {
    p->calls.push_back(call);  // a call whose name is still coming
    return std::string_view::npos;
  }
  std::string_view name = s.substr(pos, args - pos);
  name = name.substr(0, name.find(kCallId));
  call.name = std::string(name.substr(SkipJsonSpace(name, 0)));
  call.name_done = true;
  const JsonSpan value = ScanJsonValue(s, args + kArgs.size());
  SetArguments(s, value, &call);
  p->calls.push_back(std::move(call));
  return value.complete ? value.end : std::string_view::npos;
}

}  // namespace

ToolParse ParseMistral(const ToolParseInput& in) {
  const std::string_view s = in.content;
  ToolParse p;
  size_t first = s.find(kCalls);
  if (first == std::string_view::npos) {
    AddContent(&p, s, in.final, {kCalls});
    return p;
  }
  p.content = std::string(s.substr(0, first));
  size_t pos = first;
  while (StartsWithAt(s, pos, kCalls)) {
    pos = SkipJsonSpace(s, pos + kCalls.size());
    if (pos >= s.size()) return p;
    pos = s[pos] == '[' ? ReadArray(s, pos, &p) : ReadNamed(s, pos, &p);
    if (pos == std::string_view::npos) return p;
    pos = SkipJsonSpace(s, pos);
  }
  return p;
}

}  // namespace inferno::request
