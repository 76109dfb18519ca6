// Helpers shared by the filter files (filters.cc: text and numbers; filters_seq.cc:
// sequences).
#pragma once

#include <string>
#include <string_view>

#include "engine/template/builtins.h"
#include "engine/template/error.h"

namespace inferno::tmpl {

using FilterFn = Value (*)(Interpreter& in, const Value& input, CallArgs& args);

// The text and number filters, then the sequence filters; nullptr when unknown.
FilterFn FindTextFilter(std::string_view name);
FilterFn FindSeqFilter(std::string_view name);

inline Value Arg(const CallArgs& a, size_t pos, std::string_view name, Value dflt) {
  const Value* v = a.Get(pos, name);
  return v ? *v : dflt;
}

// Looks up "a.b.0"-style attribute paths as Jinja2's attribute= arguments do.
Value GetAttrPath(const Value& obj, const Value& path);

}  // namespace inferno::tmpl
