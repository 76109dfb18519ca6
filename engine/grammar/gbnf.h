// GBNF, llama.cpp's grammar text: `name ::= alternatives` rules (one per line unless inside
// parentheses), alternatives split by `|`, sequences of "literals" (escapes \n \r \t \\ \" \xHH
// \uHHHH \UHHHHHHHH), [character classes] (ranges, [^...] negation), rule names, (groups), `.`
// (any character), the postfix repetitions * + ? {m} {m,} {m,n}, and # comments. The start rule
// is `root`. Errors name the line and column ("line 3, column 9: expected '::=' after 'value'").
#pragma once

#include <string_view>

#include "engine/grammar/grammar.h"
#include "engine/util/status.h"

namespace inferno::grammar {

Result<Grammar> ParseGbnf(std::string_view text);

}  // namespace inferno::grammar
