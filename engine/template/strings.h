// Python str operations on UTF-8 text, by code point where Python counts code points.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferno::tmpl {

// The code points of s, each as its UTF-8 bytes (invalid bytes stand alone).
std::vector<std::string_view> CodePoints(std::string_view s);
size_t CodePointCount(std::string_view s);

bool IsPySpace(std::string_view cp);
// str.strip/lstrip/rstrip: chars == nullptr strips whitespace.
std::string Strip(std::string_view s, const std::string* chars, bool left, bool right);
// str.split(sep, maxsplit); sep == nullptr splits on whitespace runs.
std::vector<std::string> Split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> RSplit(std::string_view s, const std::string* sep, int64_t maxsplit);
std::string Replace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
std::string Upper(std::string_view s);
std::string Lower(std::string_view s);
std::string Capitalize(std::string_view s);
// str.title(): every letter run starts upper case, the rest lower.
std::string Title(std::string_view s);
// str.splitlines() for \n, \r and \r\n line ends (without them; no empty last line).
std::vector<std::string> SplitLines(std::string_view s);

}  // namespace inferno::tmpl
