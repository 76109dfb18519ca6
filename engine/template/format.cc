#include "engine/template/format.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "engine/template/error.h"

namespace inferno::tmpl {
namespace {

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char type = 's';
};

std::string Pad(std::string s, const Spec& sp) {
  if (sp.width < 0 || static_cast<int>(s.size()) >= sp.width) return s;
  const std::string fill(sp.width - s.size(), ' ');
  return sp.flags.find('-') != std::string::npos ? s + fill : fill + s;
}

// One %-conversion of v, by C's printf for the numeric types (same output for these flags).
std::string Convert(const Value& v, const Spec& sp) {
  if (sp.type == 's' || sp.type == 'r' || sp.type == 'a') {
    std::string s = sp.type == 's' ? v.Str() : v.Repr();
    if (sp.precision >= 0 && static_cast<int>(s.size()) > sp.precision) s.resize(sp.precision);
    return Pad(s, sp);
  }
  if (sp.type == 'c')
    return Pad(v.is_string() ? v.as_string() : std::string(1, char(v.as_int())), sp);
  if (!v.is_number()) {
    Fail("TypeError",
         std::string("%") + sp.type + " format: a real number is required, not " + v.TypeName());
  }
  std::string f = "%" + sp.flags;
  if (sp.width >= 0) f += std::to_string(sp.width);
  if (sp.precision >= 0) {
    f += '.';
    f += std::to_string(sp.precision);
  }
  char buf[512];
  if (std::strchr("diouxX", sp.type)) {
    const long long i =
        v.is_float() ? static_cast<long long>(v.as_float()) : static_cast<long long>(v.to_double());
    f += std::string("ll") + (sp.type == 'i' || sp.type == 'u' ? 'd' : sp.type);
    std::snprintf(buf, sizeof buf, f.c_str(), i);
  } else if (std::strchr("eEfFgG", sp.type)) {
    f += sp.type;
    std::snprintf(buf, sizeof buf, f.c_str(), v.to_double());
  } else {
    Fail("ValueError", std::string("unsupported format character '") + sp.type + "'");
  }
  return buf;
}

size_t ParseSpec(const std::string& fmt, size_t i, Spec* sp) {
  while (i < fmt.size() && std::strchr("-+ #0", fmt[i])) sp->flags += fmt[i++];
  auto number = [&](int* out) {
    if (i >= fmt.size() || !std::isdigit(static_cast<unsigned char>(fmt[i]))) return;
    *out = 0;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])) && *out < 10000) {
      *out = *out * 10 + (fmt[i++] - '0');
    }
  };
  number(&sp->width);
  if (i < fmt.size() && fmt[i] == '.') {
    ++i;
    sp->precision = 0;
    number(&sp->precision);
  }
  if (i >= fmt.size()) Fail("ValueError", "incomplete format");
  sp->type = fmt[i];
  return i + 1;
}

}  // namespace

std::string PercentFormat(const std::string& fmt, const Value& args) {
  std::vector<Value> items;
  if (args.is_list() && args.as_list().tuple) {
    items = args.as_list().items;
  } else {
    items.push_back(args);
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size();) {
    if (fmt[i] != '%') {
      out += fmt[i++];
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      i += 2;
      continue;
    }
    ++i;
    const Value* v = nullptr;
    if (i < fmt.size() && fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string::npos || !args.is_dict())
        Fail("TypeError", "format requires a mapping");
      v = args.as_dict().Find(fmt.substr(i + 1, close - i - 1));
      if (!v) Fail("KeyError", fmt.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      if (next >= items.size()) Fail("TypeError", "not enough arguments for format string");
      v = &items[next++];
    }
    Spec sp;
    i = ParseSpec(fmt, i, &sp);
    out += Convert(*v, sp);
  }
  if (next < items.size() && !args.is_dict()) {
    Fail("TypeError", "not all arguments converted during string formatting");
  }
  return out;
}

std::string BraceFormat(const std::string& fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if ((c == '{' || c == '}') && i + 1 < fmt.size() && fmt[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '}') Fail("ValueError", "Single '}' encountered in format string");
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) Fail("ValueError", "Single '{' encountered in format string");
    const std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!.[") != std::string::npos) {
      Fail("ValueError", "format specs are not supported: {" + field + "}");
    }
    const Value* v = nullptr;
    if (field.empty()) {
      v = auto_index < args.positional.size() ? &args.positional[auto_index++] : nullptr;
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      const size_t n = std::stoul(field);
      v = n < args.positional.size() ? &args.positional[n] : nullptr;
    } else {
      v = args.Get(SIZE_MAX, field);
    }
    if (!v)
      Fail("IndexError", "Replacement index " + field + " out of range for positional args tuple");
    out += v->Str();
    i = close;
  }
  return out;
}

}  // namespace inferno::tmpl
