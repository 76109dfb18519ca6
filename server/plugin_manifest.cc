#include "server/plugin_manifest.h"

#include <algorithm>
#include <boost/json.hpp>

namespace inferno::server {
namespace json = boost::json;
namespace {

constexpr size_t kMaxName = 64;
constexpr size_t kMaxTitle = 80;
constexpr size_t kMaxDescription = 300;
constexpr size_t kMaxPath = 200;

Status FieldError(std::string_view field, std::string_view what) {
  return Status::InvalidArgument("inferno-plugin.json: '" + std::string(field) + "' " +
                                 std::string(what));
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > kMaxName) return false;
  const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return ok(c) || c == '-' || c == '_' || c == '.'; });
}

// MAJOR.MINOR.PATCH, each a number, then optionally -[0-9A-Za-z.-]+.
bool ValidVersion(std::string_view s) {
  if (s.size() > 40) return false;
  const size_t dash = s.find('-');
  const std::string_view core = s.substr(0, dash);
  int parts = 0;
  size_t i = 0;
  while (i <= core.size()) {
    const size_t dot = std::min(core.find('.', i), core.size());
    if (dot == i) return false;
    for (size_t k = i; k < dot; ++k) {
      if (core[k] < '0' || core[k] > '9') return false;
    }
    ++parts;
    i = dot + 1;
  }
  if (parts != 3) return false;
  if (dash == std::string_view::npos) return true;
  const std::string_view pre = s.substr(dash + 1);
  return !pre.empty() && std::all_of(pre.begin(), pre.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

// A string field: required or not, bounded, printable. Absent and optional leaves *out.
Status ReadString(const json::object& o, std::string_view key, bool required, size_t max,
                  std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return required ? FieldError(key, "is required") : Status::Ok();
  if (!v->is_string()) return FieldError(key, "must be a string");
  const json::string& s = v->get_string();
  if (s.empty() || s.size() > max) {
    return FieldError(key, "must have 1 to " + std::to_string(max) + " characters");
  }
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 32; })) {
    return FieldError(key, "must not contain control characters");
  }
  *out = std::string(s);
  return Status::Ok();
}

Status ReadInt(const json::object& o, std::string_view key, bool required, int lo, int hi,
               int* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return required ? FieldError(key, "is required") : Status::Ok();
  const bool integral = v->is_int64() || v->is_uint64();
  const long long n = v->is_int64() ? v->get_int64() : integral ? lo - 1 : 0;
  if (!integral || n < lo || n > hi) {
    return FieldError(
        key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  *out = int(n);
  return Status::Ok();
}

Status ReadEvents(const json::object& o, std::vector<std::string>* out) {
  const json::value* v = o.if_contains("events");
  if (v == nullptr) return FieldError("events", "is required");
  if (!v->is_array() || v->get_array().empty()) {
    return FieldError("events", "must be a non-empty array of event kinds");
  }
  const auto& known = PluginEventKinds();
  for (const json::value& e : v->get_array()) {
    const std::string kind = e.is_string() ? std::string(e.get_string()) : "";
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return FieldError("events", "has " +
                                      (e.is_string() ? "unknown kind '" + kind.substr(0, 40) + "'"
                                                     : std::string("a non-string item")) +
                                      "; kinds are " + list);
    }
    if (std::find(out->begin(), out->end(), kind) != out->end()) {
      return FieldError("events", "lists '" + kind + "' twice");
    }
    out->push_back(kind);
  }
  return Status::Ok();
}

Status CheckKeys(const json::object& o) {
  static constexpr std::string_view kKeys[] = {"name",  "version", "title", "description",
                                               "entry", "events",  "api",   "height"};
  for (const auto& [key, value] : o) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return Status::InvalidArgument("inferno-plugin.json: unknown key '" +
                                     std::string(key.substr(0, 40)) + "'");
    }
  }
  return Status::Ok();
}

Status CheckEntry(std::string_view entry) {
  if (!SafeRelativePath(entry)) {
    return FieldError("entry",
                      "must be a relative path inside the plugin's folder (no '..', no leading "
                      "'/' or '.')");
  }
  if (!entry.ends_with(".js") && !entry.ends_with(".mjs")) {
    return FieldError("entry", "must name an ES module (.js or .mjs)");
  }
  return Status::Ok();
}

Status ReadFields(const json::object& o, PluginManifest* m) {
  INFERNO_RETURN_IF_ERROR(CheckKeys(o));
  INFERNO_RETURN_IF_ERROR(ReadInt(o, "api", true, 1, 1000, &m->api));
  if (m->api != kPluginApiVersion) {
    return FieldError("api", "is " + std::to_string(m->api) + "; this Inferno speaks version " +
                                 std::to_string(kPluginApiVersion));
  }
  INFERNO_RETURN_IF_ERROR(ReadString(o, "name", true, kMaxName, &m->name));
  if (!ValidName(m->name)) {
    return FieldError("name",
                      "must be lower-case letters, digits, '-', '_' or '.', starting "
                      "with a letter or digit");
  }
  INFERNO_RETURN_IF_ERROR(ReadString(o, "version", true, 40, &m->version));
  if (!ValidVersion(m->version)) return FieldError("version", "must look like 1.2.3");
  INFERNO_RETURN_IF_ERROR(ReadString(o, "title", false, kMaxTitle, &m->title));
  if (m->title.empty()) m->title = m->name;
  INFERNO_RETURN_IF_ERROR(ReadString(o, "description", false, kMaxDescription, &m->description));
  INFERNO_RETURN_IF_ERROR(ReadString(o, "entry", true, kMaxPath, &m->entry));
  INFERNO_RETURN_IF_ERROR(CheckEntry(m->entry));
  INFERNO_RETURN_IF_ERROR(ReadEvents(o, &m->events));
  return ReadInt(o, "height", false, 60, 1000, &m->height);
}

}  // namespace

const std::vector<std::string_view>& PluginEventKinds() {
  static const std::vector<std::string_view> kinds = {
      "prompt", "token", "top_k", "attention", "logit_lens", "router", "surprisal", "status"};
  return kinds;
}

bool SafeRelativePath(std::string_view rel) {
  if (rel.empty() || rel.size() > kMaxPath) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t slash = std::min(rel.find('/', start), rel.size());
    const std::string_view seg = rel.substr(start, slash - start);
    // Empty ("a//b", a leading '/'), ".", ".." and hidden names ('.git') all start badly.
    if (seg.empty() || seg.front() == '.') return false;
    start = slash + 1;
  }
  return std::none_of(rel.begin(), rel.end(), [](char c) {
    return c == '\\' || c == ':' || static_cast<unsigned char>(c) < 32 || c == 127;
  });
}

Result<PluginManifest> ParsePluginManifest(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("inferno-plugin.json: not JSON (" + ec.message() + ")");
  if (!v.is_object()) return Status::InvalidArgument("inferno-plugin.json: not a JSON object");
  PluginManifest m;
  INFERNO_RETURN_IF_ERROR(ReadFields(v.get_object(), &m));
  return m;
}

}  // namespace inferno::server
