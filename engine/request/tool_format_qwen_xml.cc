// Qwen3-Coder and Qwen3.5: XML-like calls in <tool_call>, one parameter per element, values
// as plain text:
//   <tool_call>\n<function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n</function>\n</tool_call>
// The arguments are built as a JSON object, a parameter at a time once its value is whole:
// a value is a JSON string when the tool's schema says the parameter is a string (or the text
// is no JSON), else the JSON it spells (numbers, booleans, objects, arrays).
#include <boost/json.hpp>

#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

constexpr std::string_view kFunction = "<function=";
constexpr std::string_view kFunctionEnd = "</function>";
constexpr std::string_view kParam = "<parameter=";
constexpr std::string_view kParamEnd = "</parameter>";

// The declared JSON type of a function's parameter, "" when the schema does not say.
std::string ParamType(const boost::json::array* tools, std::string_view fn, std::string_view p) {
  if (tools == nullptr) return "";
  for (const boost::json::value& t : *tools) {
    const boost::json::object& f = t.at("function").as_object();
    if (f.at("name").as_string() != fn) continue;
    const boost::json::value* props = f.contains("parameters")
                                          ? f.at("parameters").as_object().if_contains("properties")
                                          : nullptr;
    const boost::json::value* prop =
        props && props->is_object() ? props->as_object().if_contains(p) : nullptr;
    const boost::json::value* type =
        prop && prop->is_object() ? prop->as_object().if_contains("type") : nullptr;
    if (type && type->is_string()) return std::string(type->as_string());
  }
  return "";
}

std::string ValueJson(std::string_view text, const std::string& type) {
  if (text.starts_with('\n')) text.remove_prefix(1);
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (type != "string") {
    boost::json::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    if (!ec) return boost::json::serialize(v);
  }
  return JsonQuote(text);
}

// The parameters of the function body from `pos`; returns where </function> ends, npos while
// the function is being written.
size_t ReadParams(std::string_view s, size_t pos, const ToolParseInput& in, ParsedCall* call) {
  // clear() and push_back: GCC 12 warns (-Wrestrict, wrongly) on assigning "{" here.
  call->arguments.clear();
  call->arguments.push_back('{');
  while (true) {
    pos = SkipJsonSpace(s, pos);
    if (StartsWithAt(s, pos, kFunctionEnd)) {
      call->arguments += "}";
      call->arguments_done = true;
      return pos + kFunctionEnd.size();
    }
    if (!StartsWithAt(s, pos, kParam)) return std::string_view::npos;
    const size_t name_end = s.find('>', pos);
    const size_t value_end =
        name_end == std::string_view::npos ? name_end : s.find(kParamEnd, name_end);
    if (value_end == std::string_view::npos) return value_end;
    const std::string_view name = s.substr(pos + kParam.size(), name_end - pos - kParam.size());
    if (call->arguments.size() > 1) call->arguments += ", ";
    call->arguments += JsonQuote(name);
    call->arguments += ": ";
    call->arguments += ValueJson(s.substr(name_end + 1, value_end - name_end - 1),
                                 ParamType(in.tools, call->name, name));
    pos = value_end + kParamEnd.size();
  }
}

// <function=NAME> and its parameters, from after <tool_call>.
size_t ReadXmlCall(std::string_view s, size_t pos, const ToolParseInput& in, ToolParse* p) {
  p->calls.emplace_back();
  ParsedCall& call = p->calls.back();
  const size_t fn = s.find(kFunction, pos);
  const size_t fn_end = fn == std::string_view::npos ? fn : s.find('>', fn);
  if (fn_end == std::string_view::npos) return kPending;
  call.name = std::string(s.substr(fn + kFunction.size(), fn_end - fn - kFunction.size()));
  call.name_done = true;
  return ReadParams(s, fn_end + 1, in, &call);
}

}  // namespace

ToolParse ParseQwenXml(const ToolParseInput& in) {
  return ParseWrappedCalls(in, "<tool_call>", "</tool_call>", ReadXmlCall);
}

}  // namespace inferno::request
