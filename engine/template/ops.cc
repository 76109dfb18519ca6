#include "engine/template/ops.h"

#include <cmath>
#include <cstdint>

#include "engine/template/error.h"
#include "engine/template/format.h"
#include "engine/template/methods.h"
#include "engine/template/strings.h"

namespace inferno::tmpl {
namespace {

[[noreturn]] void Unsupported(std::string_view op, const Value& a, const Value& b) {
  Fail("TypeError", "unsupported operand type(s) for " + std::string(op) + ": '" + a.TypeName() +
                        "' and '" + b.TypeName() + "'");
}

int64_t AsInt(const Value& v) { return v.is_bool() ? v.as_bool() : v.as_int(); }

// Python's ints do not overflow; ours are 64-bit, so a result that does not fit is refused.
int64_t Checked(bool overflowed, int64_t r) {
  if (overflowed) Fail("OverflowError", "integer result does not fit in 64 bits");
  return r;
}

int64_t IntOp(char op, int64_t x, int64_t y) {
  int64_t r = 0;
  const bool overflowed = op == '+'   ? __builtin_add_overflow(x, y, &r)
                          : op == '-' ? __builtin_sub_overflow(x, y, &r)
                                      : __builtin_mul_overflow(x, y, &r);
  return Checked(overflowed, r);
}

int64_t IntPow(int64_t base, int64_t exp) {
  // |base| <= 1 never overflows, however large exp is; any other base overflows within 63
  // multiplications, so the loop is short.
  if (base == 0) return exp == 0 ? 1 : 0;
  if (base == 1) return 1;
  if (base == -1) return exp % 2 == 0 ? 1 : -1;
  int64_t r = 1;
  for (int64_t i = 0; i < exp; ++i) r = IntOp('*', r, base);
  return r;
}
bool IsIntLike(const Value& v) { return v.is_int() || v.is_bool(); }

// 'x' * 10**9 would allocate before any limit could see the result.
constexpr size_t kMaxRepeat = 64u << 20;

Value Repeat(const Value& seq, int64_t n) {
  const size_t unit = seq.is_string() ? seq.as_string().size() : seq.as_list().items.size();
  if (n > 0 && unit > 0 && static_cast<uint64_t>(n) > kMaxRepeat / unit) {
    Fail("LimitError", "repetition result would be too large");
  }
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) {
    out.insert(out.end(), seq.as_list().items.begin(), seq.as_list().items.end());
  }
  return Value::MakeList(std::move(out), seq.as_list().tuple);
}

Value Add(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (IsIntLike(a) && IsIntLike(b)) return Value(IntOp('+', AsInt(a), AsInt(b)));
    return Value(a.to_double() + b.to_double());
  }
  if (a.is_string() && b.is_string()) {
    if (!a.is_markup() && !b.is_markup()) return Value(a.as_string() + b.as_string());
    auto part = [](const Value& v) {
      return v.is_markup() ? v.as_string() : HtmlEscape(v.as_string());
    };
    return Value::MakeMarkup(part(a) + part(b));
  }
  if (a.is_list() && b.is_list() && !a.as_list().generator && !b.as_list().generator) {
    std::vector<Value> items = a.as_list().items;
    items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
    return Value::MakeList(std::move(items), a.as_list().tuple);
  }
  if (a.is_string()) {
    Fail("TypeError", "can only concatenate str (not \"" + b.TypeName() + "\") to str");
  }
  if (a.is_list()) {
    Fail("TypeError", "can only concatenate list (not \"" + b.TypeName() + "\") to list");
  }
  Unsupported("+", a, b);
}

Value Arith(std::string_view op, const Value& a, const Value& b) {
  if (op == "+") return Add(a, b);
  if (op == "%" && a.is_string()) return Value(PercentFormat(a.as_string(), b));
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && IsIntLike(b)) return Repeat(a, AsInt(b));
    if ((b.is_string() || b.is_list()) && IsIntLike(a)) return Repeat(b, AsInt(a));
  }
  if (!a.is_number() || !b.is_number()) Unsupported(op, a, b);
  const bool ints = IsIntLike(a) && IsIntLike(b);
  if (op == "-")
    return ints ? Value(IntOp('-', AsInt(a), AsInt(b))) : Value(a.to_double() - b.to_double());
  if (op == "*")
    return ints ? Value(IntOp('*', AsInt(a), AsInt(b))) : Value(a.to_double() * b.to_double());
  if (op == "**") {
    if (ints && AsInt(b) >= 0) return Value(IntPow(AsInt(a), AsInt(b)));
    return Value(std::pow(a.to_double(), b.to_double()));
  }
  if (b.to_double() == 0) Fail("ZeroDivisionError", "division by zero");
  if (op == "/") return Value(a.to_double() / b.to_double());
  if (ints) {
    const int64_t x = AsInt(a), y = AsInt(b);
    if (x == INT64_MIN && y == -1) Fail("OverflowError", "integer result does not fit in 64 bits");
    int64_t q = x / y, r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) --q, r += y;  // Python floors
    return op == "//" ? Value(q) : Value(r);
  }
  const double x = a.to_double(), y = b.to_double();
  const double q = std::floor(x / y);
  return op == "//" ? Value(q) : Value(x - q * y);
}

bool ListLess(const List& a, const List& b) {
  for (size_t i = 0; i < a.items.size() && i < b.items.size(); ++i) {
    if (!a.items[i].Equals(b.items[i])) return Less(a.items[i], b.items[i]);
  }
  return a.items.size() < b.items.size();
}

}  // namespace

void RequireDefined(const Value& v) {
  if (v.is_undefined()) Fail("UndefinedError", v.undefined_hint());
}

bool Less(const Value& a, const Value& b) {
  RequireDefined(a);
  RequireDefined(b);
  if (a.is_number() && b.is_number()) return a.to_double() < b.to_double();
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) return ListLess(a.as_list(), b.as_list());
  Fail("TypeError",
       "'<' not supported between instances of '" + a.TypeName() + "' and '" + b.TypeName() + "'");
}

bool Contains(const Value& c, const Value& item) {
  if (c.is_string()) {
    if (!item.is_string()) {
      Fail("TypeError", "'in <string>' requires string as left operand, not " + item.TypeName());
    }
    return c.as_string().find(item.as_string()) != std::string::npos;
  }
  if (c.is_dict()) return c.as_dict().Find(item) != nullptr;
  if (c.is_undefined()) return false;
  if (!c.is_list()) Fail("TypeError", "argument of type '" + c.TypeName() + "' is not iterable");
  for (const Value& v : c.as_list().items) {
    if (v.Equals(item)) return true;
  }
  return false;
}

Value BinaryOp(std::string_view op, const Value& a, const Value& b) {
  if (op == "~") return Value(a.Str() + b.Str());
  if (op == "==") return Value(a.Equals(b));
  if (op == "!=") return Value(!a.Equals(b));
  if (op == "<") return Value(Less(a, b));
  if (op == ">") return Value(Less(b, a));
  if (op == "<=") return Value(Less(a, b) || a.Equals(b));
  if (op == ">=") return Value(Less(b, a) || a.Equals(b));
  if (op == "in") return Value(Contains(b, a));
  if (op == "not in") return Value(!Contains(b, a));
  RequireDefined(a);
  RequireDefined(b);
  return Arith(op, a, b);
}

Value GetAttr(const Value& obj, const std::string& name) {
  RequireDefined(obj);
  if (!name.empty() && name[0] == '_') {
    Fail("SecurityError",
         "access to attribute '" + name + "' of '" + obj.TypeName() + "' object is unsafe.");
  }
  if (std::optional<Value> m = GetMethod(obj, name)) return *m;
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().Find(name)) return *v;
  }
  return Value::MakeUndefined(Quoted(obj.TypeName() + " object") + " has no attribute " +
                              Quoted(name));
}

static int64_t NormalizeIndex(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

Value GetItem(const Value& obj, const Value& key) {
  RequireDefined(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().Find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    const bool is_str = obj.is_string();
    std::vector<std::string_view> cps;
    if (is_str) cps = CodePoints(obj.as_string());
    const int64_t n = is_str ? cps.size() : obj.as_list().items.size();
    const int64_t i = NormalizeIndex(key.is_bool() ? key.as_bool() : key.as_int(), n);
    if (i >= 0 && i < n) return is_str ? Value(std::string(cps[i])) : obj.as_list().items[i];
    return Value::MakeUndefined(Quoted(obj.TypeName() + " object") + " has no element " +
                                key.Repr());
  }
  if (key.is_string()) return GetAttr(obj, key.as_string());
  return Value::MakeUndefined(Quoted(obj.TypeName() + " object") + " has no element " + key.Repr());
}

Value Slice(const Value& obj, const Value& start, const Value& stop, const Value& step_v) {
  RequireDefined(obj);
  const bool is_str = obj.is_string();
  if (!is_str && !obj.is_list())
    Fail("TypeError", Quoted(obj.TypeName()) + " object is not subscriptable");
  std::vector<std::string_view> cps;
  if (is_str) cps = CodePoints(obj.as_string());
  const int64_t n = is_str ? cps.size() : obj.as_list().items.size();
  const int64_t step = step_v.is_none() || step_v.is_undefined() ? 1 : step_v.as_int();
  if (step == 0) Fail("ValueError", "slice step cannot be zero");
  auto bound = [&](const Value& v, int64_t dflt) {
    if (v.is_none() || v.is_undefined()) return dflt;
    int64_t i = NormalizeIndex(v.as_int(), n);
    if (step > 0) return std::clamp<int64_t>(i, 0, n);
    return std::clamp<int64_t>(i, -1, n - 1);
  };
  const int64_t b = bound(start, step > 0 ? 0 : n - 1);
  const int64_t e = bound(stop, step > 0 ? n : -1);
  std::string s;
  std::vector<Value> items;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) {
    if (is_str) {
      s += cps[i];
    } else {
      items.push_back(obj.as_list().items[i]);
    }
  }
  return is_str ? Value(std::move(s)) : Value::MakeList(std::move(items), obj.as_list().tuple);
}

std::vector<Value> Iterate(const Value& v) {
  if (v.is_undefined()) return {};
  if (v.is_list()) return v.as_list().items;
  if (v.is_dict() && !v.as_dict().is_namespace) {
    std::vector<Value> keys;
    for (const auto& kv : v.as_dict().items) keys.push_back(kv.first);
    return keys;
  }
  if (v.is_string()) {
    std::vector<Value> out;
    for (std::string_view cp : CodePoints(v.as_string())) out.emplace_back(std::string(cp));
    return out;
  }
  Fail("TypeError", Quoted(v.TypeName()) + " object is not iterable");
}

int64_t Length(const Value& v) {
  if (v.is_undefined()) return 0;
  if (v.is_string()) return CodePointCount(v.as_string());
  if (v.is_list() && !v.as_list().generator) return v.as_list().items.size();
  if (v.is_dict() && !v.as_dict().is_namespace) return v.as_dict().items.size();
  Fail("TypeError", "object of type '" + v.TypeName() + "' has no len()");
}

}  // namespace inferno::tmpl
