// Methods of str, dict and list that templates call (`s.startswith('x')`, `d.get(k)`), bound
// to their object. Mutating methods of list and dict exist but refuse when called, as in
// Jinja2's ImmutableSandboxedEnvironment.
#pragma once

#include <optional>
#include <string_view>

#include "engine/template/value.h"

namespace inferno::tmpl {

std::optional<Value> GetMethod(const Value& obj, std::string_view name);

}  // namespace inferno::tmpl
