// Globals: Jinja2's range, namespace and dict, and Hugging Face's raise_exception and
// strftime_now.
#include <ctime>

#include "engine/template/builtins.h"
#include "engine/template/error.h"

namespace inferno::tmpl {
namespace {

// Jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
constexpr int64_t kMaxRange = 100000;

Value Range(Interpreter&, CallArgs& a) {
  auto arg = [&](size_t i) {
    if (!a.positional[i].is_int()) Fail("TypeError", "range() arguments must be integers");
    return a.positional[i].as_int();
  };
  int64_t start = 0, stop = 0, step = 1;
  if (a.positional.size() == 1) {
    stop = arg(0);
  } else if (a.positional.size() >= 2) {
    start = arg(0);
    stop = arg(1);
    if (a.positional.size() >= 3) step = arg(2);
  } else {
    Fail("TypeError", "range expected at least 1 argument, got 0");
  }
  if (step == 0) Fail("ValueError", "range() arg 3 must not be zero");
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    if (static_cast<int64_t>(out.size()) >= kMaxRange) {
      Fail("OverflowError",
           "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    }
    out.emplace_back(i);
    if (__builtin_add_overflow(i, step, &i)) break;  // past the int64 range: the range ended
  }
  return Value::MakeList(std::move(out));
}

Value MakeMapping(CallArgs& a, bool is_namespace) {
  Value d = Value::MakeDict();
  d.dict_ptr()->is_namespace = is_namespace;
  for (const Value& p : a.positional) {
    if (!p.is_dict()) Fail("TypeError", "expected a mapping, got " + p.TypeName());
    for (const auto& [k, v] : p.as_dict().items) d.dict_ptr()->Set(k, v);
  }
  for (const auto& [k, v] : a.keyword) d.dict_ptr()->Set(Value(k), v);
  return d;
}

Value RaiseException(Interpreter&, CallArgs& a) {
  Fail("TemplateError", a.positional.empty() ? "" : a.positional[0].Str());
}

Value StrftimeNow(Interpreter& in, CallArgs& a) {
  const std::string fmt = a.positional.empty() ? "" : a.positional[0].Str();
  char buf[512];
  const size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &in.now());
  return Value(std::string(buf, n));
}

}  // namespace

void AddGlobals(Scope& scope) {
  scope.Set("range", Value::MakeCallable("range", Range));
  scope.Set("namespace", Value::MakeCallable("namespace", [](Interpreter&, CallArgs& a) {
              return MakeMapping(a, true);
            }));
  scope.Set("dict", Value::MakeCallable(
                        "dict", [](Interpreter&, CallArgs& a) { return MakeMapping(a, false); }));
  scope.Set("raise_exception", Value::MakeCallable("raise_exception", RaiseException));
  scope.Set("strftime_now", Value::MakeCallable("strftime_now", StrftimeNow));
}

}  // namespace inferno::tmpl
