// Jinja2's tests (`x is defined`, `x is string`, `n is divisibleby 3`, ...).
#include <cctype>

#include "engine/template/builtins.h"
#include "engine/template/error.h"
#include "engine/template/ops.h"

namespace inferno::tmpl {
namespace {

const Value& Operand(const CallArgs& a, const std::string& test) {
  if (a.positional.empty()) Fail("TypeError", "test '" + test + "' needs an argument");
  return a.positional[0];
}

bool SameAs(const Value& a, const Value& b) {
  if (a.is_none() || b.is_none()) return a.is_none() && b.is_none();
  if (a.is_bool() || b.is_bool()) return a.is_bool() && b.is_bool() && a.as_bool() == b.as_bool();
  if (a.is_list() && b.is_list()) return a.list_ptr() == b.list_ptr();
  if (a.is_dict() && b.is_dict()) return a.dict_ptr() == b.dict_ptr();
  return a.Equals(b) && a.TypeName() == b.TypeName();
}

bool CaseTest(const Value& v, bool upper) {
  if (!v.is_string()) return false;
  bool cased = false;
  for (unsigned char c : v.as_string()) {
    if (upper ? std::islower(c) : std::isupper(c)) return false;
    cased |= std::isalpha(c) != 0;
  }
  return cased;
}

std::optional<bool> TypeTest(const std::string& n, const Value& v) {
  if (n == "defined") return !v.is_undefined();
  if (n == "undefined") return v.is_undefined();
  if (n == "none") return v.is_none();
  if (n == "string") return v.is_string();
  if (n == "number") return v.is_number();
  if (n == "integer") return v.is_int();
  if (n == "float") return v.is_float();
  if (n == "boolean") return v.is_bool();
  if (n == "true") return v.is_bool() && v.as_bool();
  if (n == "false") return v.is_bool() && !v.as_bool();
  if (n == "mapping") return v.is_dict() && !v.as_dict().is_namespace;
  if (n == "callable") return v.is_callable();
  // Undefined iterates (as nothing) and has a length in Jinja2.
  if (n == "iterable")
    return v.is_string() || v.is_list() || v.is_undefined() ||
           (v.is_dict() && !v.as_dict().is_namespace);
  if (n == "sequence")
    return v.is_string() || (v.is_list() && !v.as_list().generator) || v.is_undefined() ||
           (v.is_dict() && !v.as_dict().is_namespace);
  if (n == "lower") return CaseTest(v, false);
  if (n == "upper") return CaseTest(v, true);
  if (n == "escaped") return false;
  return std::nullopt;
}

}  // namespace

bool CallTest(Interpreter&, const std::string& n, const Value& v, CallArgs& a) {
  if (std::optional<bool> r = TypeTest(n, v)) return *r;
  if (n == "even" || n == "odd") {
    RequireDefined(v);
    if (!v.is_int()) Fail("TypeError", Quoted(v.TypeName()) + " is not an integer");
    return (((v.as_int() % 2) + 2) % 2 == 0) == (n == "even");
  }
  if (n == "divisibleby") {
    const Value& d = Operand(a, n);
    if (!v.is_int() || !d.is_int() || d.as_int() == 0)
      Fail("TypeError", "divisibleby needs integers");
    return v.as_int() % d.as_int() == 0;
  }
  if (n == "equalto" || n == "eq" || n == "==") return v.Equals(Operand(a, n));
  if (n == "ne" || n == "!=") return !v.Equals(Operand(a, n));
  if (n == "lt" || n == "lessthan" || n == "<") return Less(v, Operand(a, n));
  if (n == "gt" || n == "greaterthan" || n == ">") return Less(Operand(a, n), v);
  if (n == "le" || n == "<=") return !Less(Operand(a, n), v);
  if (n == "ge" || n == ">=") return !Less(v, Operand(a, n));
  if (n == "in") return Contains(Operand(a, n), v);
  if (n == "sameas") return SameAs(v, Operand(a, n));
  Fail("TemplateRuntimeError", "No test named '" + n + "'.");
}

}  // namespace inferno::tmpl
