// Python's string formatting as templates use it: `"%s: %d" % (a, b)` and the `format`
// filter (printf-style), and str.format with {} / {0} / {name} fields.
#pragma once

#include <string>

#include "engine/template/value.h"

namespace inferno::tmpl {

// fmt % args: args is a tuple or list (one value per conversion), a dict for %(name)s, or a
// single value.
std::string PercentFormat(const std::string& fmt, const Value& args);
// fmt.format(*positional, **keyword); format specs after ':' are not supported.
std::string BraceFormat(const std::string& fmt, const CallArgs& args);

}  // namespace inferno::tmpl
