// A JSON scanner for text still being generated: where a value starts and ends, or that it
// has not ended yet, without parsing it. The tool-call parsers (tool_calls.h) use it to stream a
// call's arguments as the model writes them: the arguments are the raw text of a JSON value,
// and what of it exists so far is already a fragment OpenAI's clients concatenate.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferno::request {

// A value's text: [begin, end); `complete` false when the text ends inside it (end is then
// the text's end). A number or literal at the very end is incomplete: more digits may come.
struct JsonSpan {
  size_t begin = 0;
  size_t end = 0;
  bool complete = false;
};

size_t SkipJsonSpace(std::string_view s, size_t pos);

// The value that starts at `pos` (after whitespace). begin == end, incomplete, when nothing
// of it is there yet.
JsonSpan ScanJsonValue(std::string_view s, size_t pos);

struct JsonMember {
  std::string key;
  JsonSpan value;
};

// An object starting at `pos` (after whitespace): its members as far as they go (the last
// one's value maybe incomplete; a key still being written is left out). `span.complete` once
// the closing brace is there; `ok` false when the text there is no object (or breaks JSON).
struct JsonObjectScan {
  bool ok = false;
  JsonSpan span;
  std::vector<JsonMember> members;
  const JsonMember* Find(std::string_view key) const;
};
JsonObjectScan ScanJsonObject(std::string_view s, size_t pos);

// The text of a complete JSON string value (span from ScanJsonValue), unescaped.
bool JsonStringValue(std::string_view s, const JsonSpan& span, std::string* out);

// `text` as a JSON string literal ("a\"b").
std::string JsonQuote(std::string_view text);

}  // namespace inferno::request
