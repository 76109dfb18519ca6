#include "engine/template/methods.h"

#include <cctype>
#include <string>

#include "engine/template/error.h"
#include "engine/template/format.h"
#include "engine/template/ops.h"
#include "engine/template/strings.h"

namespace inferno::tmpl {
namespace {

using Method = Value (*)(const Value& self, CallArgs& args);

const std::string* OptString(const CallArgs& a, size_t pos, std::string_view name) {
  const Value* v = a.Get(pos, name);
  if (!v || v->is_none()) return nullptr;
  if (!v->is_string()) Fail("TypeError", "expected a string argument, got " + v->TypeName());
  return &v->as_string();
}

int64_t OptInt(const CallArgs& a, size_t pos, std::string_view name, int64_t dflt) {
  const Value* v = a.Get(pos, name);
  if (!v || v->is_none()) return dflt;
  if (!v->is_int()) Fail("TypeError", "expected an integer argument, got " + v->TypeName());
  return v->as_int();
}

const std::string& ReqString(const CallArgs& a, size_t pos, std::string_view name) {
  const std::string* s = OptString(a, pos, name);
  if (!s) Fail("TypeError", "missing required argument '" + std::string(name) + "'");
  return *s;
}

Value StringList(std::vector<std::string> parts) {
  std::vector<Value> items;
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value::MakeList(std::move(items));
}

// startswith/endswith take a string or a tuple of strings.
Value Affix(const Value& self, CallArgs& a, bool start) {
  const Value* arg = a.Get(0, "prefix");
  if (!arg) Fail("TypeError", "startswith/endswith takes one argument");
  std::vector<Value> options = arg->is_list() ? arg->as_list().items : std::vector<Value>{*arg};
  const std::string& s = self.as_string();
  for (const Value& o : options) {
    if (!o.is_string()) Fail("TypeError", "expected a str, got " + o.TypeName());
    const std::string& p = o.as_string();
    if (p.size() <= s.size() && (start ? s.compare(0, p.size(), p) == 0
                                       : s.compare(s.size() - p.size(), p.size(), p) == 0)) {
      return Value(true);
    }
  }
  return Value(false);
}

Value Find(const Value& self, CallArgs& a, bool reverse) {
  const std::string& s = self.as_string();
  const std::string& sub = ReqString(a, 0, "sub");
  const size_t p = reverse ? s.rfind(sub) : s.find(sub);
  if (p == std::string::npos) return Value(int64_t{-1});
  return Value(static_cast<int64_t>(CodePointCount(std::string_view(s).substr(0, p))));
}

Value CountSub(const Value& self, CallArgs& a) {
  const std::string& s = self.as_string();
  const std::string& sub = ReqString(a, 0, "sub");
  if (sub.empty()) return Value(static_cast<int64_t>(CodePointCount(s) + 1));
  int64_t n = 0;
  for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
  return Value(n);
}

Value StrSplitLines(const Value& self) { return StringList(SplitLines(self.as_string())); }

template <int (*Pred)(int)>
Value AllChars(const Value& self) {
  const std::string& s = self.as_string();
  if (s.empty()) return Value(false);
  for (unsigned char c : s) {
    if (!Pred(c)) return Value(false);
  }
  return Value(true);
}

// str.islower/isupper: some cased character, and none of the other case.
Value CaseIs(const Value& self, bool upper) {
  bool cased = false;
  for (unsigned char c : self.as_string()) {
    if (upper ? std::islower(c) : std::isupper(c)) return Value(false);
    cased |= std::isalpha(c) != 0;
  }
  return Value(cased);
}

Value Join(const Value& self, CallArgs& a) {
  const Value* seq = a.Get(0, "iterable");
  if (!seq) Fail("TypeError", "join() takes one argument");
  std::string out;
  bool first = true;
  for (const Value& v : Iterate(*seq)) {
    if (!v.is_string())
      Fail("TypeError", "sequence item: expected str instance, " + v.TypeName() + " found");
    if (!first) out += self.as_string();
    out += v.as_string();
    first = false;
  }
  return Value(std::move(out));
}

std::optional<Value> StringMethod(const Value& self, std::string_view n) {
  Method m = nullptr;
  if (n == "startswith")
    m = [](const Value& s, CallArgs& a) { return Affix(s, a, true); };
  else if (n == "endswith")
    m = [](const Value& s, CallArgs& a) { return Affix(s, a, false); };
  else if (n == "strip")
    m = [](const Value& s, CallArgs& a) {
      return Value(Strip(s.as_string(), OptString(a, 0, "chars"), true, true));
    };
  else if (n == "lstrip")
    m = [](const Value& s, CallArgs& a) {
      return Value(Strip(s.as_string(), OptString(a, 0, "chars"), true, false));
    };
  else if (n == "rstrip")
    m = [](const Value& s, CallArgs& a) {
      return Value(Strip(s.as_string(), OptString(a, 0, "chars"), false, true));
    };
  else if (n == "split")
    m = [](const Value& s, CallArgs& a) {
      return StringList(Split(s.as_string(), OptString(a, 0, "sep"), OptInt(a, 1, "maxsplit", -1)));
    };
  else if (n == "rsplit")
    m = [](const Value& s, CallArgs& a) {
      return StringList(
          RSplit(s.as_string(), OptString(a, 0, "sep"), OptInt(a, 1, "maxsplit", -1)));
    };
  else if (n == "replace")
    m = [](const Value& s, CallArgs& a) {
      return Value(Replace(s.as_string(), ReqString(a, 0, "old"), ReqString(a, 1, "new"),
                           OptInt(a, 2, "count", -1)));
    };
  else if (n == "upper")
    m = [](const Value& s, CallArgs&) { return Value(Upper(s.as_string())); };
  else if (n == "lower")
    m = [](const Value& s, CallArgs&) { return Value(Lower(s.as_string())); };
  else if (n == "title")
    m = [](const Value& s, CallArgs&) { return Value(Title(s.as_string())); };
  else if (n == "capitalize")
    m = [](const Value& s, CallArgs&) { return Value(Capitalize(s.as_string())); };
  else if (n == "find")
    m = [](const Value& s, CallArgs& a) { return Find(s, a, false); };
  else if (n == "rfind")
    m = [](const Value& s, CallArgs& a) { return Find(s, a, true); };
  else if (n == "count")
    m = [](const Value& s, CallArgs& a) { return CountSub(s, a); };
  else if (n == "join")
    m = [](const Value& s, CallArgs& a) { return Join(s, a); };
  else if (n == "splitlines")
    m = [](const Value& s, CallArgs&) { return StrSplitLines(s); };
  else if (n == "isdigit")
    m = [](const Value& s, CallArgs&) { return AllChars<std::isdigit>(s); };
  else if (n == "isalpha")
    m = [](const Value& s, CallArgs&) { return AllChars<std::isalpha>(s); };
  else if (n == "isalnum")
    m = [](const Value& s, CallArgs&) { return AllChars<std::isalnum>(s); };
  else if (n == "isspace")
    m = [](const Value& s, CallArgs&) { return AllChars<std::isspace>(s); };
  else if (n == "islower")
    m = [](const Value& s, CallArgs&) { return CaseIs(s, false); };
  else if (n == "isupper")
    m = [](const Value& s, CallArgs&) { return CaseIs(s, true); };
  else if (n == "format")
    m = [](const Value& s, CallArgs& a) { return Value(BraceFormat(s.as_string(), a)); };
  if (!m) return std::nullopt;
  return Value::MakeCallable(std::string(n),
                             [self, m](Interpreter&, CallArgs& a) { return m(self, a); });
}

Value DictView(const Dict& d, int which) {
  std::vector<Value> out;
  for (const auto& [k, v] : d.items) {
    if (which == 0) out.push_back(Value::MakeList({k, v}, /*tuple=*/true));
    if (which == 1) out.push_back(k);
    if (which == 2) out.push_back(v);
  }
  return Value::MakeList(std::move(out));
}

Value DictGet(const Value& self, CallArgs& a) {
  const Value* key = a.Get(0, "key");
  if (!key) Fail("TypeError", "get expected at least 1 argument, got 0");
  if (const Value* v = self.as_dict().Find(*key)) return *v;
  const Value* dflt = a.Get(1, "default");
  return dflt ? *dflt : Value(None{});
}

std::optional<Value> DictMethod(const Value& self, std::string_view n) {
  Method m = nullptr;
  if (n == "items")
    m = [](const Value& s, CallArgs&) { return DictView(s.as_dict(), 0); };
  else if (n == "keys")
    m = [](const Value& s, CallArgs&) { return DictView(s.as_dict(), 1); };
  else if (n == "values")
    m = [](const Value& s, CallArgs&) { return DictView(s.as_dict(), 2); };
  else if (n == "get")
    m = [](const Value& s, CallArgs& a) { return DictGet(s, a); };
  if (!m) return std::nullopt;
  return Value::MakeCallable(std::string(n),
                             [self, m](Interpreter&, CallArgs& a) { return m(self, a); });
}

std::optional<Value> ListMethod(const Value& self, std::string_view n) {
  if (n == "index") {
    return Value::MakeCallable("index", [self](Interpreter&, CallArgs& a) {
      const Value* x = a.Get(0, "value");
      const auto& items = self.as_list().items;
      for (size_t i = 0; x && i < items.size(); ++i) {
        if (items[i].Equals(*x)) return Value(static_cast<int64_t>(i));
      }
      Fail("ValueError", "value is not in list");
      return Value();
    });
  }
  if (n == "count") {
    return Value::MakeCallable("count", [self](Interpreter&, CallArgs& a) {
      const Value* x = a.Get(0, "value");
      int64_t c = 0;
      for (const Value& v : self.as_list().items) c += x && v.Equals(*x);
      return Value(c);
    });
  }
  return std::nullopt;
}

bool IsMutator(const Value& obj, std::string_view n) {
  static const char* kList[] = {"append", "pop",  "extend",  "insert",      "remove",
                                "clear",  "sort", "reverse", "__setitem__", "__delitem__"};
  static const char* kDict[] = {"pop",   "popitem",     "update",     "setdefault",
                                "clear", "__setitem__", "__delitem__"};
  if (obj.is_list()) {
    for (const char* m : kList) {
      if (n == m) return true;
    }
  }
  if (obj.is_dict()) {
    for (const char* m : kDict) {
      if (n == m) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<Value> GetMethod(const Value& obj, std::string_view name) {
  if (IsMutator(obj, name) && !(obj.is_dict() && obj.as_dict().is_namespace)) {
    const std::string msg = "access to attribute '" + std::string(name) + "' of '" +
                            obj.TypeName() + "' object is unsafe.";
    return Value::MakeCallable(
        std::string(name), [msg](Interpreter&, CallArgs&) -> Value { Fail("SecurityError", msg); });
  }
  if (obj.is_string()) return StringMethod(obj, name);
  if (obj.is_dict() && !obj.as_dict().is_namespace) return DictMethod(obj, name);
  if (obj.is_list() && !obj.as_list().generator) return ListMethod(obj, name);
  return std::nullopt;
}

}  // namespace inferno::tmpl
