// Splits template source into tokens the way Jinja2's lexer does, with Hugging Face's
// settings: trim_blocks (a block or comment tag eats the newline after it), lstrip_blocks
// (spaces before a block or comment tag at the start of a line go), and `-` whitespace
// control on every tag. Comments are dropped and {% raw %} bodies become plain text here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferno::tmpl {

enum class TokenType {
  kText,
  kBlockBegin,
  kBlockEnd,
  kVarBegin,
  kVarEnd,
  kName,
  kString,
  kInt,
  kFloat,
  kOperator,
  kEof
};

struct Token {
  TokenType type;
  std::string text;  // text, name, operator, or a string literal's decoded value
  int line = 1;
  int column = 1;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws TemplateError (TemplateSyntaxError) naming line and column on malformed input.
std::vector<Token> Lex(std::string_view source, const LexOptions& options = {});

}  // namespace inferno::tmpl
