#include "server/builtin_tools.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace inferno::server {
namespace {

namespace json = boost::json;

// expr   := term (('+' | '-') term)*
// term   := factor (('*' | '/' | '%') factor)*
// factor := '-' factor | '+' factor | number | '(' expr ')'
// Depth is bounded so that "((((..." cannot exhaust the stack.
class Arithmetic {
 public:
  explicit Arithmetic(std::string_view s) : s_(s) {}

  Result<double> Run() {
    Result<double> v = Expr();
    if (!v.ok()) return v;
    Skip();
    if (pos_ < s_.size()) return Error("unexpected '" + std::string(1, s_[pos_]) + "'");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 200;

  Status Error(const std::string& what) const {
    return Status::InvalidArgument(what + " at position " + std::to_string(pos_ + 1) +
                                   " of the expression");
  }
  void Skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<double> Expr() {
    if (++depth_ > kMaxDepth) return Error("expression nested too deeply");
    Result<double> left = Term();
    while (left.ok()) {
      const bool plus = Eat('+');
      if (!plus && !Eat('-')) break;
      Result<double> right = Term();
      if (!right.ok()) return right;
      left = plus ? *left + *right : *left - *right;
    }
    --depth_;
    return left;
  }

  Result<double> Term() {
    Result<double> left = Factor();
    while (left.ok()) {
      Skip();
      if (pos_ >= s_.size() || (s_[pos_] != '*' && s_[pos_] != '/' && s_[pos_] != '%')) break;
      const char op = s_[pos_++];
      Result<double> right = Factor();
      if (!right.ok()) return right;
      if (op == '*') {
        left = *left * *right;
      } else if (*right == 0) {
        return Status::InvalidArgument("division by zero");
      } else {
        left = op == '/' ? *left / *right : std::fmod(*left, *right);
      }
    }
    return left;
  }

  Result<double> Factor() {
    if (++depth_ > kMaxDepth) return Error("expression nested too deeply");
    Result<double> v = Status::Ok();
    if (Eat('-')) {
      v = Factor();
      if (v.ok()) v = -*v;
    } else if (Eat('+')) {
      v = Factor();
    } else if (Eat('(')) {
      v = Expr();
      if (v.ok() && !Eat(')')) return Error("missing ')'");
    } else {
      v = Number();
    }
    --depth_;
    return v;
  }

  Result<double> Number() {
    Skip();
    const size_t start = pos_;
    int dots = 0;
    while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.')) {
      dots += s_[pos_] == '.';
      ++pos_;
    }
    if (pos_ == start) {
      if (pos_ >= s_.size()) return Error("expected a number or '(' but the expression ended");
      return Error("expected a number or '(' but found '" + std::string(1, s_[pos_]) + "'");
    }
    const std::string text(s_.substr(start, pos_ - start));
    if (dots > 1 || text == ".") {
      pos_ = start;
      return Error("'" + text + "' is not a number");
    }
    return std::strtod(text.c_str(), nullptr);
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

ToolOutput Text(std::string text, bool is_error) {
  ToolOutput out{std::move(text), is_error, {}};
  out.content.push_back(json::object{{"type", "text"}, {"text", out.text}});
  return out;
}

ToolOutput Calculator(const json::object& arguments) {
  const json::value* e = arguments.if_contains("expression");
  if (e == nullptr || !e->is_string()) {
    return Text("calculator needs {\"expression\": \"...\"}, a string like \"12 * (3 + 4)\"", true);
  }
  Result<double> v = EvaluateArithmetic(e->as_string());
  if (!v.ok()) return Text("error: " + v.status().message(), true);
  return Text(FormatNumber(*v), false);
}

// The zone's name: TZ when set, else the system's (/etc/timezone, the /etc/localtime link).
std::string ZoneName() {
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    return tz[0] == ':' ? tz + 1 : tz;
  }
  std::ifstream f("/etc/timezone");
  std::string name;
  if (f && std::getline(f, name) && !name.empty()) return name;
  char link[256];
  const ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
  if (n <= 0) return "";
  std::string path(link, size_t(n));
  const size_t at = path.find("zoneinfo/");
  return at == std::string::npos ? "" : path.substr(at + 9);
}

}  // namespace

Result<double> EvaluateArithmetic(std::string_view expression) {
  if (expression.size() > 10000) {
    return Status::InvalidArgument("the expression is longer than 10000 characters");
  }
  Result<double> v = Arithmetic(expression).Run();
  if (v.ok() && !std::isfinite(*v)) return Status::InvalidArgument("the result is not finite");
  return v;
}

std::string FormatNumber(double value) {
  if (value == 0) return "0";  // also -0
  if (std::fabs(value) < 1e15 && value == std::trunc(value)) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.12g", value);
  return buf;
}

std::string DescribeLocalTime(std::time_t when) {
  std::tm local{};
  localtime_r(&when, &local);
  char iso[64], weekday[16], offset[8];
  std::strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &local);
  std::strftime(weekday, sizeof(weekday), "%A", &local);
  std::strftime(offset, sizeof(offset), "%z", &local);  // +0100 -> +01:00 for ISO 8601
  const std::string z(offset);
  std::string text = std::string(iso) + (z.size() == 5 ? z.substr(0, 3) + ":" + z.substr(3) : z);
  text += " (" + std::string(weekday) + ", time zone ";
  const std::string zone = ZoneName();
  const std::string abbrev = local.tm_zone != nullptr ? local.tm_zone : "";
  if (zone.empty() || zone == abbrev) return text + abbrev + ")";
  return text + zone + (abbrev.empty() ? "" : " " + abbrev) + ")";
}

std::vector<ToolInfo> BuiltinTools() {
  // Written once, exactly as the demo model is trained on them.
  return {
      {"calculator", "Evaluate an arithmetic expression",
       json::parse(R"j({"type":"object","properties":{"expression":{"type":"string",)j"
                   R"j("description":"An arithmetic expression, e.g. 12 * (3 + 4)"}},)j"
                   R"j("required":["expression"]})j")
           .as_object()},
      {"current_time", "Get the current local date, time and time zone",
       json::parse(R"({"type":"object","properties":{}})").as_object()},
  };
}

Result<ToolOutput> CallBuiltinTool(const std::string& name, const json::object& arguments) {
  if (name == "calculator") return Calculator(arguments);
  if (name == "current_time") return Text(DescribeLocalTime(std::time(nullptr)), false);
  return Status::NotFound("no built-in tool '" + name.substr(0, 80) +
                          "'; the built-in tools are calculator and current_time");
}

}  // namespace inferno::server
