// Hermes / Qwen: each call a JSON object in <tool_call>...</tool_call>, text around them the
// answer. Qwen2.5 and Qwen3 write {"name": ..., "arguments": {...}}; Hermes 2 Pro the same.
#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

size_t ReadJsonCall(std::string_view s, size_t pos, const ToolParseInput& in, ToolParse* p) {
  if (!in.final && SkipJsonSpace(s, pos) == s.size()) return kPending;  // undecided yet
  const JsonObjectScan obj = ScanJsonObject(s, pos);
  if (!obj.ok) return kNotACall;  // no JSON after the tag: the model wrote the tag as text
  p->calls.push_back(CallFromObject(s, obj));
  return obj.span.complete ? obj.span.end : kPending;
}

}  // namespace

ToolParse ParseHermes(const ToolParseInput& in) {
  return ParseWrappedCalls(in, "<tool_call>", "</tool_call>", ReadJsonCall);
}

}  // namespace inferno::request
