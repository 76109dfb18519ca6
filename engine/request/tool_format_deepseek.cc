// DeepSeek: calls between <｜tool▁calls▁begin｜> and <｜tool▁calls▁end｜>, each
//   R1:    <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>
//   V3.1:  <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜>
// told apart by what follows the separator (a JSON object at once: V3.1). Text before the
// calls is the answer.
#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kSep = "<｜tool▁sep｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kFence = "```json";

// One call from after <｜tool▁call▁begin｜>; returns where it ended, npos while written.
size_t ReadCall(std::string_view s, size_t pos, ToolParse* p) {
  p->calls.emplace_back();
  ParsedCall& call = p->calls.back();
  const size_t sep = s.find(kSep, pos);
  if (sep == std::string_view::npos) return std::string_view::npos;
  size_t at = SkipJsonSpace(s, sep + kSep.size());
  if (at >= s.size()) return std::string_view::npos;
  if (s[at] == '{') {  // V3.1
    call.name = std::string(s.substr(pos, sep - pos));
  } else {  // R1: the type before the separator, the name on its line after it
    const size_t eol = s.find('\n', at);
    if (eol == std::string_view::npos) return std::string_view::npos;
    call.name = std::string(s.substr(at, eol - at));
    at = SkipJsonSpace(s, eol);
    bool partial = false;
    if (StartsWithAt(s, at, kFence, &partial))
      at += kFence.size();
    else if (partial)
      return std::string_view::npos;
  }
  call.name_done = true;
  const JsonSpan value = ScanJsonValue(s, at);
  SetArguments(s, value, &call);
  if (!value.complete) return std::string_view::npos;
  const size_t end = s.find(kCallEnd, value.end);
  return end == std::string_view::npos ? end : end + kCallEnd.size();
}

}  // namespace

ToolParse ParseDeepSeek(const ToolParseInput& in) {
  const std::string_view s = in.content;
  ToolParse p;
  size_t begin = s.find(kCallsBegin);
  // Some outputs open the first call without the list marker.
  if (begin == std::string_view::npos) begin = s.find(kCallBegin);
  if (begin == std::string_view::npos) {
    AddContent(&p, s, in.final, {kCallsBegin, kCallBegin});
    return p;
  }
  p.content = std::string(s.substr(0, begin));
  size_t pos = begin;
  while (true) {
    const size_t call = s.find(kCallBegin, pos);
    if (call == std::string_view::npos) break;
    pos = ReadCall(s, call + kCallBegin.size(), &p);
    if (pos == std::string_view::npos) break;
  }
  return p;
}

}  // namespace inferno::request
