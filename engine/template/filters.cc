// Text and number filters, and the dispatch of every filter by name.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/template/filters_internal.h"
#include "engine/template/format.h"
#include "engine/template/ops.h"
#include "engine/template/strings.h"

namespace inferno::tmpl {
namespace {

const std::string* StrArg(const CallArgs& a, size_t pos, std::string_view name) {
  const Value* v = a.Get(pos, name);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

// An indentation width: Python repeats ' ' n times (nothing when n < 0); past 1024 it is
// refused rather than allocated.
size_t Width(int64_t n) {
  if (n > 1024) Fail("ValueError", "indent width " + std::to_string(n) + " is too large");
  return n < 0 ? 0 : static_cast<size_t>(n);
}

Value ToJson(Interpreter&, const Value& v, CallArgs& a) {
  JsonStyle style;
  const Value indent = Arg(a, 0, "indent", Value(None{}));
  if (indent.is_int()) style.indent = std::string(Width(indent.as_int()), ' ');
  if (indent.is_string()) style.indent = indent.as_string();
  if (style.indent)
    style.item_separator.assign(1, ',');  // not = ",": a GCC 12 -Wrestrict false alarm
  const Value seps = Arg(a, 99, "separators", Value(None{}));
  if (seps.is_list() && seps.as_list().items.size() == 2) {
    style.item_separator = seps.as_list().items[0].Str();
    style.key_separator = seps.as_list().items[1].Str();
  }
  style.sort_keys = Arg(a, 99, "sort_keys", Value(false)).Truthy();
  style.ensure_ascii = Arg(a, 99, "ensure_ascii", Value(false)).Truthy();
  return Value(JsonDumps(v, style));
}

Value Trim(Interpreter&, const Value& v, CallArgs& a) {
  return Value(Strip(v.Str(), StrArg(a, 0, "chars"), true, true));
}

Value ReplaceF(Interpreter&, const Value& v, CallArgs& a) {
  const Value count = Arg(a, 2, "count", Value(None{}));
  return Value(Replace(v.Str(), Arg(a, 0, "old", Value("")).Str(),
                       Arg(a, 1, "new", Value("")).Str(), count.is_int() ? count.as_int() : -1));
}

Value Default(Interpreter&, const Value& v, CallArgs& a) {
  const bool boolean = Arg(a, 1, "boolean", Value(false)).Truthy();
  if (v.is_undefined() || (boolean && !v.Truthy())) return Arg(a, 0, "default_value", Value(""));
  return v;
}

Value ToInt(Interpreter&, const Value& v, CallArgs& a) {
  const Value dflt = Arg(a, 0, "default", Value(int64_t{0}));
  if (v.is_int()) return v;
  if (v.is_bool()) return Value(int64_t{v.as_bool()});
  if (v.is_float()) return Value(static_cast<int64_t>(v.as_float()));
  if (v.is_string()) {
    const std::string s = Strip(v.as_string(), nullptr, true, true);
    char* end = nullptr;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == 0) return Value(int64_t{i});
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == 0 && std::isfinite(d)) return Value(static_cast<int64_t>(d));
  }
  return dflt;
}

Value ToFloat(Interpreter&, const Value& v, CallArgs& a) {
  const Value dflt = Arg(a, 0, "default", Value(0.0));
  if (v.is_number()) return Value(v.to_double());
  if (v.is_string()) {
    const std::string s = Strip(v.as_string(), nullptr, true, true);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == 0) return Value(d);
  }
  return dflt;
}

Value Abs(Interpreter&, const Value& v, CallArgs&) {
  RequireDefined(v);
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_int() && v.as_int() == INT64_MIN) Fail("OverflowError", "abs() does not fit in 64 bits");
  if (v.is_int()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  if (v.is_bool()) return Value(int64_t{v.as_bool()});
  Fail("TypeError", "bad operand type for abs(): '" + v.TypeName() + "'");
}

Value Round(Interpreter&, const Value& v, CallArgs& a) {
  const int64_t precision = Arg(a, 0, "precision", Value(int64_t{0})).as_int();
  const std::string method = Arg(a, 1, "method", Value("common")).Str();
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.to_double() * scale;
  const double r = method == "ceil"    ? std::ceil(x)
                   : method == "floor" ? std::floor(x)
                                       : std::nearbyint(x);  // Python rounds half to even
  return Value(r / scale);
}

// Jinja2's indent: every line but the first (unless first=True), blank lines only when
// blank=True.
Value Indent(Interpreter&, const Value& v, CallArgs& a) {
  const Value width = Arg(a, 0, "width", Value(int64_t{4}));
  const std::string pad =
      width.is_string() ? width.as_string() : std::string(Width(width.as_int()), ' ');
  const bool first = Arg(a, 1, "first", Value(false)).Truthy();
  const bool blank = Arg(a, 2, "blank", Value(false)).Truthy();
  const std::vector<std::string> lines = SplitLines(v.Str() + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\n";
    if (i && (blank || !lines[i].empty())) out += pad;
    out += lines[i];
  }
  if (first) out = pad + out;
  return Value(std::move(out));
}

Value Escape(Interpreter&, const Value& v, CallArgs&) {
  return v.is_markup() ? v : Value::MakeMarkup(HtmlEscape(v.Str()));
}

// "%s, %s"|format(a, b): printf-style, the arguments as a tuple (or a mapping by keyword).
Value FormatF(Interpreter&, const Value& v, CallArgs& a) {
  if (!a.keyword.empty() && a.positional.empty()) {
    Value d = Value::MakeDict();
    for (const auto& [k, val] : a.keyword) d.dict_ptr()->Set(Value(k), val);
    return Value(PercentFormat(v.Str(), d));
  }
  return Value(PercentFormat(v.Str(), Value::MakeList(a.positional, /*tuple=*/true)));
}

// Jinja2's title: a word starts after whitespace, '-', or an opening bracket (not after an
// apostrophe, unlike str.title()).
Value TitleF(Interpreter&, const Value& v, CallArgs&) {
  std::string out = v.Str();
  bool word_start = true;
  for (char& c : out) {
    const unsigned char u = c;
    if (std::isspace(u) || std::strchr("-({[<", c)) {
      word_start = true;
      continue;
    }
    c = static_cast<char>(word_start ? std::toupper(u) : std::tolower(u));
    word_start = false;
  }
  return Value(std::move(out));
}

Value WordCount(Interpreter&, const Value& v, CallArgs&) {
  return Value(static_cast<int64_t>(Split(v.Str(), nullptr, -1).size()));
}

}  // namespace

FilterFn FindTextFilter(std::string_view n) {
  if (n == "tojson") return ToJson;
  if (n == "trim") return Trim;
  if (n == "replace") return ReplaceF;
  if (n == "default" || n == "d") return Default;
  if (n == "int") return ToInt;
  if (n == "float") return ToFloat;
  if (n == "abs") return Abs;
  if (n == "round") return Round;
  if (n == "indent") return Indent;
  if (n == "escape" || n == "e" || n == "forceescape") return Escape;
  if (n == "wordcount") return WordCount;
  if (n == "safe") {
    return [](Interpreter&, const Value& v, CallArgs&) { return Value::MakeMarkup(v.Str()); };
  }
  if (n == "string") return [](Interpreter&, const Value& v, CallArgs&) { return Value(v.Str()); };
  if (n == "upper")
    return [](Interpreter&, const Value& v, CallArgs&) { return Value(Upper(v.Str())); };
  if (n == "lower")
    return [](Interpreter&, const Value& v, CallArgs&) { return Value(Lower(v.Str())); };
  if (n == "title") return TitleF;
  if (n == "format") return FormatF;
  if (n == "capitalize") {
    return [](Interpreter&, const Value& v, CallArgs&) { return Value(Capitalize(v.Str())); };
  }
  if (n == "length" || n == "count") {
    return [](Interpreter&, const Value& v, CallArgs&) { return Value(Length(v)); };
  }
  return nullptr;
}

Value CallFilter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args) {
  FilterFn f = FindTextFilter(name);
  if (!f) f = FindSeqFilter(name);
  if (!f) Fail("TemplateRuntimeError", "No filter named '" + name + "'.");
  return f(in, input, args);
}

}  // namespace inferno::tmpl
