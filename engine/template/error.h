// Errors raised while lexing, parsing or rendering a template. The interpreter is a deep
// recursive evaluator, so inside engine/template a failure is thrown as TemplateError and
// caught once at the public API (Template::Parse / Render), which turns it into a Status;
// nothing outside this directory ever sees the exception.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace inferno::tmpl {

struct TemplateError : std::runtime_error {
  // kind is the Python exception name Jinja2 would raise ("TypeError", "UndefinedError",
  // "SecurityError", "TemplateSyntaxError", "TemplateError" for raise_exception, ...).
  TemplateError(std::string kind, std::string message, int line = 0, int column = 0)
      : std::runtime_error(message), kind(std::move(kind)), line(line), column(column) {}
  std::string kind;
  int line;
  int column;
};

// 'text' in quotes. Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + string.
inline std::string Quoted(std::string_view text) {
  std::string q;
  q.reserve(text.size() + 2);
  q += '\'';
  q += text;
  q += '\'';
  return q;
}

[[noreturn]] inline void Fail(std::string kind, std::string message) {
  throw TemplateError(std::move(kind), std::move(message));
}

}  // namespace inferno::tmpl
