// JSON Schema's `pattern` as grammar elements over the string's JSON text (between the quotes):
// characters that JSON escapes (", \, control characters) are matched in their escaped form.
// The subset: literals and escapes (\. \n \t \uHHHH ...), `.`, classes ([a-z], [^...], \d \w
// \s and their negations), groups ((...), (?:...)), alternation, the quantifiers * + ? {m}
// {m,} {m,n} (a lazy `?` after them matches the same strings), and ^/$ at the ends; a pattern
// not anchored matches anywhere in the string, as JSON Schema says. Lookaround, backreferences
// and word boundaries are refused with an error naming them.
#pragma once

#include <string_view>

#include "engine/grammar/grammar.h"
#include "engine/util/status.h"

namespace inferno::grammar {

// json_char: one character of a JSON string's text (unescaped or an escape sequence).
Status AppendPattern(std::string_view pattern, Element json_char, Builder* b, Sequence* seq);

}  // namespace inferno::grammar
