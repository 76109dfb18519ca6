// Recursive-descent parser from tokens to the syntax tree, following Jinja2's grammar and
// operator precedence (parser.py): condexpr < or < and < not < compare < +,- < ~ < *,/,//,% <
// ** < unary < postfix (. [] ()) < filters and tests.
#pragma once

#include <vector>

#include "engine/template/ast.h"
#include "engine/template/lexer.h"

namespace inferno::tmpl {

// Throws TemplateError (TemplateSyntaxError) with the offending token's line and column.
Body Parse(std::vector<Token> tokens);

}  // namespace inferno::tmpl
