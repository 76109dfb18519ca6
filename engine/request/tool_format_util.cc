#include "engine/request/tool_format_util.h"

#include <algorithm>

namespace inferno::request {

size_t PartialMarker(std::string_view s, std::initializer_list<std::string_view> markers) {
  size_t best = 0;
  for (std::string_view m : markers) {
    for (size_t len = std::min(s.size(), m.size() - 1); len > best; --len) {
      if (s.substr(s.size() - len) == m.substr(0, len)) {
        best = len;
        break;
      }
    }
  }
  return best;
}

void AddContent(ToolParse* p, std::string_view text, bool final,
                std::initializer_list<std::string_view> markers) {
  if (!p->calls.empty()) text.remove_prefix(SkipJsonSpace(text, 0));
  if (!final) text.remove_suffix(PartialMarker(text, markers));
  p->content.append(text);
}

void SetArguments(std::string_view s, const JsonSpan& value, ParsedCall* call) {
  if (value.begin >= s.size()) return;
  if (s[value.begin] == '"') {
    std::string text;
    call->arguments_done = JsonStringValue(s, value, &text);
    if (call->arguments_done) call->arguments = std::move(text);
    return;
  }
  call->arguments = std::string(s.substr(value.begin, value.end - value.begin));
  call->arguments_done = value.complete;
}

ParsedCall CallFromObject(std::string_view s, const JsonObjectScan& obj) {
  ParsedCall call;
  const JsonMember* name = obj.Find("name");
  if (name == nullptr || !JsonStringValue(s, name->value, &call.name)) return call;
  call.name_done = true;
  const JsonMember* args = obj.Find("arguments");
  if (args == nullptr) args = obj.Find("parameters");
  if (args != nullptr) {
    SetArguments(s, args->value, &call);
  } else if (obj.span.complete) {
    call.arguments = "{}";
    call.arguments_done = true;
  }
  return call;
}

bool StartsWithAt(std::string_view s, size_t pos, std::string_view marker, bool* partial) {
  const std::string_view rest = pos <= s.size() ? s.substr(pos) : std::string_view();
  if (partial != nullptr) *partial = rest.size() < marker.size() && marker.starts_with(rest);
  return rest.starts_with(marker);
}

ToolParse ParseWrappedCalls(const ToolParseInput& in, std::string_view open, std::string_view close,
                            ReadWrappedCall read) {
  const std::string_view s = in.content;
  ToolParse p;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t at = s.find(open, pos);
    if (at == std::string_view::npos) {
      AddContent(&p, s.substr(pos), in.final, {open});
      return p;
    }
    AddContent(&p, s.substr(pos, at - pos), true, {});
    const size_t end = read(s, at + open.size(), in, &p);
    if (end == kNotACall) {
      AddContent(&p, open, true, {});
      pos = at + open.size();
      continue;
    }
    if (end == kPending) return p;
    const size_t closing = s.find(close, end);
    if (closing == std::string_view::npos) return p;  // the closing tag is still coming
    pos = closing + close.size();
  }
  return p;
}

}  // namespace inferno::request
