// Jinja2's built-in filters and tests that chat templates use, the globals Hugging Face
// provides (raise_exception, strftime_now) and Jinja2's own (range, namespace, dict), and
// json.dumps as HF's tojson calls it.
#pragma once

#include <optional>
#include <string>

#include "engine/template/interpreter.h"
#include "engine/template/value.h"

namespace inferno::tmpl {

Value CallFilter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);
bool CallTest(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);

// Python's json.dumps(v, ensure_ascii, indent, separators, sort_keys). indent: nullopt for
// single-line output, else the string each nesting level is indented by.
struct JsonStyle {
  std::optional<std::string> indent;
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};
std::string JsonDumps(const Value& v, const JsonStyle& style);

// The globals every template sees (context variables shadow them).
void AddGlobals(Scope& scope);

}  // namespace inferno::tmpl
