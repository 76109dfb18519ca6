#include "engine/template/value.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/template/error.h"

namespace inferno::tmpl {

const Value* Dict::Find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (k.Equals(key)) return &v;
  }
  return nullptr;
}

const Value* Dict::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void Dict::Set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (k.Equals(key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

Value Value::MakeList(std::vector<Value> items, bool tuple) {
  auto l = std::make_shared<List>();
  l->items = std::move(items);
  l->tuple = tuple;
  return Value(std::move(l));
}

Value Value::MakeDict() { return Value(std::make_shared<Dict>()); }

Value Value::MakeCallable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  return Value(std::make_shared<const Callable>(Callable{std::move(name), std::move(fn)}));
}

Value Value::FromJson(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null:
      return Value(None{});
    case boost::json::kind::bool_:
      return Value(json.get_bool());
    case boost::json::kind::int64:
      return Value(json.get_int64());
    case boost::json::kind::uint64:
      return Value(static_cast<int64_t>(json.get_uint64()));
    case boost::json::kind::double_:
      return Value(json.get_double());
    case boost::json::kind::string:
      return Value(std::string(json.get_string()));
    case boost::json::kind::array: {
      std::vector<Value> items;
      for (const auto& e : json.get_array()) items.push_back(FromJson(e));
      return MakeList(std::move(items));
    }
    case boost::json::kind::object: {
      auto d = std::make_shared<Dict>();
      for (const auto& kv : json.get_object()) {
        d->items.emplace_back(Value(std::string(kv.key())), FromJson(kv.value()));
      }
      return Value(std::move(d));
    }
  }
  return Value(None{});
}

double Value::to_double() const {
  if (is_float()) return as_float();
  if (is_int()) return static_cast<double>(as_int());
  if (is_bool()) return as_bool() ? 1.0 : 0.0;
  Fail("TypeError", "expected a number, got " + TypeName());
}

std::string Value::TypeName() const {
  switch (v_.index()) {
    case 0:
      return "Undefined";
    case 1:
      return "NoneType";
    case 2:
      return "bool";
    case 3:
      return "int";
    case 4:
      return "float";
    case 5:
      return "str";
    case 6:
      return as_list().generator ? "generator" : as_list().tuple ? "tuple" : "list";
    case 7:
      return as_dict().is_namespace ? "Namespace" : "dict";
    default:
      return "function";
  }
}

bool Value::Truthy() const {
  switch (v_.index()) {
    case 0:
    case 1:
      return false;
    case 2:
      return as_bool();
    case 3:
      return as_int() != 0;
    case 4:
      return as_float() != 0.0;
    case 5:
      return !as_string().empty();
    case 6:
      return as_list().generator || !as_list().items.empty();
    case 7:
      return as_dict().is_namespace || !as_dict().items.empty();
    default:
      return true;
  }
}

std::string Value::Str() const {
  if (is_undefined()) return "";
  if (is_string()) return as_string();
  if (is_list() && as_list().generator) return "<generator object>";
  return Repr();
}

static std::string ReprList(const List& l) {
  std::string out = l.tuple ? "(" : "[";
  for (size_t i = 0; i < l.items.size(); ++i) {
    if (i) out += ", ";
    out += l.items[i].Repr();
  }
  if (l.tuple && l.items.size() == 1) out += ",";
  out += l.tuple ? ")" : "]";
  return out;
}

static std::string ReprDict(const Dict& d) {
  std::string out = d.is_namespace ? "<Namespace {" : "{";
  for (size_t i = 0; i < d.items.size(); ++i) {
    if (i) out += ", ";
    out += d.items[i].first.Repr() + ": " + d.items[i].second.Repr();
  }
  return out + (d.is_namespace ? "}>" : "}");
}

std::string Value::Repr() const {
  switch (v_.index()) {
    case 0:
      return "";
    case 1:
      return "None";
    case 2:
      return as_bool() ? "True" : "False";
    case 3:
      return std::to_string(as_int());
    case 4:
      return FormatFloat(as_float());
    case 5:
      return ReprString(as_string());
    case 6:
      return as_list().generator ? "<generator object>" : ReprList(as_list());
    case 7:
      return ReprDict(as_dict());
    default:
      return "<function " + as_callable().name + ">";
  }
}

bool Value::Equals(const Value& o) const {
  if (is_number() && o.is_number()) {
    if (is_float() || o.is_float()) return to_double() == o.to_double();
    const int64_t a = is_bool() ? as_bool() : as_int();
    const int64_t b = o.is_bool() ? o.as_bool() : o.as_int();
    return a == b;
  }
  if (v_.index() != o.v_.index()) return false;
  if (is_undefined() || is_none()) return true;
  if (is_string()) return as_string() == o.as_string();
  if (is_list()) {
    const auto& a = as_list().items;
    const auto& b = o.as_list().items;
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].Equals(b[i])) return false;
    }
    return true;
  }
  if (is_dict()) {
    if (dict_ptr() == o.dict_ptr()) return true;
    const auto& a = as_dict().items;
    if (a.size() != o.as_dict().items.size()) return false;
    for (const auto& [k, v] : a) {
      const Value* other = o.as_dict().Find(k);
      if (!other || !other->Equals(v)) return false;
    }
    return true;
  }
  return std::get<CallablePtr>(v_) == std::get<CallablePtr>(o.v_);
}

const Value* CallArgs::Get(size_t position, std::string_view name) const {
  if (position < positional.size()) return &positional[position];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  const int exp = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  const int n = static_cast<int>(digits.size());
  if (exp >= -4 && exp < 16) {
    const int point = exp + 1;
    if (point <= 0) return sign + "0." + std::string(-point, '0') + digits;
    if (point >= n) return sign + digits + std::string(point - n, '0') + ".0";
    return sign + digits.substr(0, point) + "." + digits.substr(point);
  }
  std::string mant = digits.substr(0, 1);
  if (n > 1) mant += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return sign + mant + exp_buf;
}

std::string ReprString(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == quote) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) {
      // U+0080..U+009F are not printable: Python writes them as \x80..\x9f.
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[++i]));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

}  // namespace inferno::tmpl
