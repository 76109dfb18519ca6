#include "server/openai_unsupported.h"

#include <string>

namespace inferno::server {
namespace {

namespace json = boost::json;

struct Unsupported {
  const char* name;
  bool chat;                              // checked on /v1/chat/completions
  bool legacy;                            // checked on /v1/completions
  bool (*neutral)(const json::value& v);  // a value that asks for nothing we cannot do
  const char* why;
};

bool IsNull(const json::value& v) { return v.is_null(); }
bool NullOrOne(const json::value& v) {
  return v.is_null() || (v.is_int64() && v.as_int64() == 1) ||
         (v.is_uint64() && v.as_uint64() == 1) || (v.is_double() && v.as_double() == 1);
}
bool DefaultTier(const json::value& v) {
  return v.is_null() || (v.is_string() && (v.as_string() == "auto" || v.as_string() == "default"));
}
bool TextOnly(const json::value& v) {
  if (v.is_null()) return true;
  if (!v.is_array()) return false;
  for (const json::value& m : v.as_array()) {
    if (!m.is_string() || m.as_string() != "text") return false;
  }
  return true;
}

constexpr Unsupported kUnsupported[] = {
    {"best_of", false, true, NullOrOne,
     "only best_of 1 is supported (ask for several choices with 'n')"},
    {"service_tier", true, true, DefaultTier,
     "'service_tier' may only be auto or default: this server has one tier"},
    {"modalities", true, false, TextOnly, "only the text modality is supported"},
    {"audio", true, false, IsNull, "audio output is not supported"},
    {"prediction", true, false, IsNull, "predicted outputs are not supported"},
    {"web_search_options", true, false, IsNull, "web search is not supported"},
};

}  // namespace

std::optional<ApiError> CheckUnsupported(const json::object& body, bool chat) {
  for (const Unsupported& u : kUnsupported) {
    if (!(chat ? u.chat : u.legacy)) continue;
    const json::value* v = body.if_contains(u.name);
    if (v == nullptr || u.neutral(*v)) continue;
    ApiError e;
    e.param = u.name;
    e.message = std::string(u.why) + " ('" + u.name + "')";
    e.code = "unsupported_parameter";
    return e;
  }
  return std::nullopt;
}

}  // namespace inferno::server
