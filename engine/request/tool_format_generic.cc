// The fallback for templates of no known tool syntax: the reply is one JSON object, read once
// it is whole, as llama.cpp's generic format asks models for it:
//   {"tool_call": {"name", "arguments"}} | {"tool_calls": [{...}, ...]} | {"response": "..."}
// or a bare {"name", "arguments"}. A reply that is no such object is the answer as it is.
#include <boost/json.hpp>

#include "engine/request/tool_format_util.h"

namespace inferno::request {
namespace {

namespace json = boost::json;

bool CallOf(const json::value& v, ParsedCall* out) {
  const json::object* o = v.if_object();
  const json::value* name = o ? o->if_contains("name") : nullptr;
  if (name == nullptr || !name->is_string()) return false;
  const json::value* args = o->if_contains("arguments");
  if (args == nullptr) args = o->if_contains("parameters");
  out->name = std::string(name->as_string());
  out->name_done = out->arguments_done = true;
  if (args == nullptr)
    out->arguments = "{}";
  else if (args->is_string())
    out->arguments = std::string(args->as_string());
  else
    out->arguments = json::serialize(*args);
  return true;
}

// The calls (or the answer) an object of the generic shapes holds; false for another object.
bool ReadReply(const json::object& o, ToolParse* p) {
  if (const json::value* r = o.if_contains("response"); r && o.size() == 1) {
    p->content = r->is_string() ? std::string(r->as_string()) : json::serialize(*r);
    return true;
  }
  if (const json::value* c = o.if_contains("tool_call")) {
    p->calls.emplace_back();
    return CallOf(*c, &p->calls.back());
  }
  if (const json::value* cs = o.if_contains("tool_calls"); cs && cs->is_array()) {
    for (const json::value& c : cs->as_array()) {
      p->calls.emplace_back();
      if (!CallOf(c, &p->calls.back())) return false;
    }
    return true;
  }
  p->calls.emplace_back();
  return CallOf(json::value(o), &p->calls.back());
}

}  // namespace

ToolParse ParseGenericJson(const ToolParseInput& in) {
  const std::string_view s = in.content;
  ToolParse p;
  const size_t at = SkipJsonSpace(s, 0);
  if (at < s.size() && s[at] != '{') {
    p.content = std::string(s);
    return p;
  }
  if (!in.final) return p;  // an object, or whitespace before one: decided at the end
  json::error_code ec;
  const json::value v = json::parse(s, ec);
  if (!ec && v.is_object() && ReadReply(v.as_object(), &p)) return p;
  return ToolParse{std::string(s), {}};
}

}  // namespace inferno::request
