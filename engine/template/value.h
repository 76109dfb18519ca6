// The values a template computes with: Python's object model reduced to what Jinja2 chat
// templates use. Lists and dicts are shared and never mutated after construction (the
// sandbox forbids mutation), except a namespace(), whose attributes `{% set ns.x %}` assigns.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace inferno::tmpl {

class Value;
struct CallArgs;
class Interpreter;

struct List {
  std::vector<Value> items;
  bool tuple = false;      // prints as (a, b)
  bool generator = false;  // the result of map/select/...: json.dumps refuses it
};

struct Dict {
  std::vector<std::pair<Value, Value>> items;  // insertion ordered, like a Python dict
  bool is_namespace = false;
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  const Value* Find(const std::string& key) const { return Find(std::string_view(key)); }
  const Value* Find(const char* key) const { return Find(std::string_view(key)); }
  void Set(Value key, Value value);
};

struct Callable {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> fn;
};

struct Undefined {
  std::string hint;  // why: "'x' is undefined", "'dict object' has no attribute 'y'"
};
struct None {};

class Value {
 public:
  using ListPtr = std::shared_ptr<List>;
  using DictPtr = std::shared_ptr<Dict>;
  using CallablePtr = std::shared_ptr<const Callable>;
  using Storage = std::variant<Undefined, None, bool, int64_t, double, std::string, ListPtr,
                               DictPtr, CallablePtr>;

  Value() : v_(Undefined{}) {}
  Value(None n) : v_(n) {}                           // NOLINT: values convert implicitly by design
  Value(bool b) : v_(b) {}                           // NOLINT
  Value(int i) : v_(int64_t{i}) {}                   // NOLINT
  Value(int64_t i) : v_(i) {}                        // NOLINT
  Value(size_t i) : v_(int64_t(i)) {}                // NOLINT
  Value(double d) : v_(d) {}                         // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(ListPtr l) : v_(std::move(l)) {}             // NOLINT
  Value(DictPtr d) : v_(std::move(d)) {}             // NOLINT
  Value(CallablePtr c) : v_(std::move(c)) {}         // NOLINT

  // A markupsafe.Markup string (from |safe or |escape): concatenating a plain string to it
  // HTML-escapes the plain one, as Python's Markup.__add__ does.
  static Value MakeMarkup(std::string s) {
    Value v(std::move(s));
    v.markup_ = true;
    return v;
  }
  bool is_markup() const { return markup_; }

  static Value MakeUndefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value MakeList(std::vector<Value> items, bool tuple = false);
  static Value MakeDict();
  static Value MakeCallable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  static Value FromJson(const boost::json::value& json);

  bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  bool is_none() const { return std::holds_alternative<None>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_float() const { return std::holds_alternative<double>(v_); }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<ListPtr>(v_); }
  bool is_dict() const { return std::holds_alternative<DictPtr>(v_); }
  bool is_callable() const { return std::holds_alternative<CallablePtr>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // Numbers (bool, int, float) as double, as Python arithmetic mixes them.
  double to_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return *std::get<ListPtr>(v_); }
  const ListPtr& list_ptr() const { return std::get<ListPtr>(v_); }
  const Dict& as_dict() const { return *std::get<DictPtr>(v_); }
  const DictPtr& dict_ptr() const { return std::get<DictPtr>(v_); }
  const Callable& as_callable() const { return *std::get<CallablePtr>(v_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(v_).hint; }

  // Python's type name, as error messages show it ("str", "list", "dict", "NoneType").
  std::string TypeName() const;
  bool Truthy() const;
  // str(value): what {{ value }} writes.
  std::string Str() const;
  // repr(value): how a value prints inside a list or dict.
  std::string Repr() const;
  // Python ==.
  bool Equals(const Value& other) const;

 private:
  explicit Value(Undefined u) : v_(std::move(u)) {}
  Storage v_;
  bool markup_ = false;
};

// markupsafe.escape: & < > " ' as HTML entities.
std::string HtmlEscape(std::string_view s);

// Arguments of a call: positional, then keyword (name, value) in the order written.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // The n-th argument, given by position or by name; nullptr when absent.
  const Value* Get(size_t position, std::string_view name) const;
};

// Python's repr() of a float ("1.0", "0.1", "1e-07", "1e+20", "inf").
std::string FormatFloat(double d);
// Python's repr() of a string ('it''s' quoting and escapes).
std::string ReprString(std::string_view s);

}  // namespace inferno::tmpl
