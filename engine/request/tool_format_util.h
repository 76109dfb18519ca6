// Pieces the tool-call format parsers (tool_format_*.cc) share: holding back a marker's
// beginning, the answer text around calls, and a call read from a JSON object.
#pragma once

#include <initializer_list>
#include <string_view>

#include "engine/request/tool_calls.h"
#include "engine/request/tool_json.h"

namespace inferno::request {

// Length of the longest end of `s` that is the beginning (not all) of one of `markers`.
size_t PartialMarker(std::string_view s, std::initializer_list<std::string_view> markers);

// Answer text outside calls into p->content: text after a call loses its leading whitespace
// (what models put between and after calls); unless `final`, a trailing beginning of one of
// `markers` is held back.
void AddContent(ToolParse* p, std::string_view text, bool final,
                std::initializer_list<std::string_view> markers);

// The arguments of a call from a JSON value's span: an object's text as it is (so far), a
// string holding JSON text once it is whole.
void SetArguments(std::string_view s, const JsonSpan& value, ParsedCall* call);

// A call from {"name": ..., "arguments"|"parameters": ...}; nothing of it is known while its
// name is not whole. A complete object without arguments has "{}".
ParsedCall CallFromObject(std::string_view s, const JsonObjectScan& obj);

// Whether `s` from `pos` starts with `marker`; `partial` set when the text ends inside it.
bool StartsWithAt(std::string_view s, size_t pos, std::string_view marker, bool* partial = nullptr);

// Calls each wrapped in `open`...`close` (Hermes' and Qwen's <tool_call>), the text around them
// the answer. `read` parses one call's body from `pos` into p->calls and returns where the body
// ended, kPending while it is being written, or kNotACall when the tag starts no call (it is
// then answer text).
constexpr size_t kPending = std::string_view::npos;
constexpr size_t kNotACall = std::string_view::npos - 1;
using ReadWrappedCall = size_t (*)(std::string_view s, size_t pos, const ToolParseInput& in,
                                   ToolParse* p);
ToolParse ParseWrappedCalls(const ToolParseInput& in, std::string_view open, std::string_view close,
                            ReadWrappedCall read);

}  // namespace inferno::request
