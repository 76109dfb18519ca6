#include "server/plugins.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "engine/template/value.h"
#include "server/errors.h"
#include "server/route_responses.h"
#include "server/static_site.h"

namespace inferno::server {
namespace fs = std::filesystem;
namespace json = boost::json;
namespace {

constexpr uintmax_t kMaxManifestBytes = 64 << 10;
constexpr uintmax_t kMaxFileBytes = 16 << 20;
constexpr size_t kMaxPlugins = 200;  // per root: a listing stays small whatever the folder holds

// The regular file `path` (symlinks followed) if it lies inside `dir` (canonical).
std::optional<fs::path> Inside(const fs::path& dir, const fs::path& path) {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec || !fs::is_regular_file(real, ec)) return std::nullopt;
  const std::string prefix = dir.string() + "/";
  if (real.string().rfind(prefix, 0) != 0) return std::nullopt;
  return real;
}

std::optional<std::string> ReadSmallFile(const fs::path& path, uintmax_t max) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > max) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

Status CheckManifestFile(const PluginEntry& e, const PluginManifest& m) {
  if (m.name != e.id) {
    return Status::InvalidArgument("inferno-plugin.json: 'name' is '" + m.name +
                                   "' but the folder is '" + e.id + "'; they must match");
  }
  if (!Inside(e.dir, e.dir / m.entry)) {
    return Status::NotFound("entry '" + m.entry +
                            "' is not a file inside the plugin's folder (missing, or a link "
                            "leading out of it)");
  }
  return Status::Ok();
}

// A path for a URL: unreserved characters and '/' as they are, the rest %XX.
std::string UrlPath(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json::object EntryJson(const PluginEntry& e) {
  json::object o{{"id", e.id}, {"source", e.source}, {"ok", e.manifest.has_value()}};
  if (!e.manifest) {
    o["error"] = e.error;
    return o;
  }
  const PluginManifest& m = *e.manifest;
  json::array events;
  for (const std::string& k : m.events) events.push_back(json::value(k));
  o["name"] = m.name;
  o["title"] = m.title;
  o["version"] = m.version;
  o["description"] = m.description;
  o["entry"] = m.entry;
  o["events"] = std::move(events);
  o["api"] = m.api;
  o["height"] = m.height;
  o["frame"] = "/plugins/" + e.id + "/frame";
  return o;
}

Response WithPluginHeaders(Response r) {
  for (auto& h : PluginHeaders()) r.headers.push_back(std::move(h));
  return r;
}

}  // namespace

PluginEntry LoadPlugin(const PluginRoot& root, const std::string& id) {
  PluginEntry e{id, root.source, {}, std::nullopt, ""};
  std::error_code ec;
  e.dir = fs::canonical(fs::path(root.dir) / id, ec);
  if (ec || !fs::is_directory(e.dir, ec)) {
    e.error = "not a folder";
    return e;
  }
  if (!SafeRelativePath(id) || id.find('/') != std::string::npos) {
    e.error = "the folder's name cannot be a plugin id";
    return e;
  }
  const std::optional<fs::path> file = Inside(e.dir, e.dir / "inferno-plugin.json");
  const std::optional<std::string> text =
      file ? ReadSmallFile(*file, kMaxManifestBytes) : std::nullopt;
  if (!text) {
    e.error = "no readable inferno-plugin.json (at most 64 KiB) in the folder";
    return e;
  }
  Result<PluginManifest> m = ParsePluginManifest(*text);
  Status st = m.ok() ? CheckManifestFile(e, *m) : m.status();
  if (!st.ok()) {
    e.error = st.message();
    return e;
  }
  e.manifest = std::move(*m);
  return e;
}

std::vector<PluginEntry> ScanPlugins(const std::vector<PluginRoot>& roots) {
  std::vector<PluginEntry> out;
  for (const PluginRoot& root : roots) {
    std::error_code ec;
    std::vector<std::string> ids;
    for (fs::directory_iterator it(root.dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".") || !it->is_directory(ec)) continue;
      if (ids.size() < kMaxPlugins) ids.push_back(name);
    }
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids) {
      const bool taken =
          std::any_of(out.begin(), out.end(), [&](const PluginEntry& e) { return e.id == id; });
      if (!taken) out.push_back(LoadPlugin(root, id));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PluginEntry& a, const PluginEntry& b) { return a.id < b.id; });
  return out;
}

Headers PluginHeaders() {
  return {{"Content-Security-Policy",
           "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src 'self'; connect-src 'none'; base-uri 'none'; "
           "form-action 'none'; sandbox allow-scripts"},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "no-referrer"},
          {"Cache-Control", "no-cache"}};
}

std::optional<PluginEntry> PluginCatalog::Find(const std::string& id) const {
  if (!SafeRelativePath(id) || id.find('/') != std::string::npos) return std::nullopt;
  for (const PluginRoot& root : roots_) {
    std::error_code ec;
    if (!fs::is_directory(fs::path(root.dir) / id, ec)) continue;
    PluginEntry e = LoadPlugin(root, id);
    if (!e.manifest) return std::nullopt;  // a broken user plugin hides a shipped one too
    return e;
  }
  return std::nullopt;
}

Response PluginCatalog::List() const {
  json::array plugins;
  for (const PluginEntry& e : ScanPlugins(roots_)) plugins.push_back(EntryJson(e));
  json::array dirs;
  for (const PluginRoot& r : roots_)
    dirs.push_back(json::object{{"dir", r.dir}, {"source", r.source}});
  return JsonResponse(200, json::object{{"api", kPluginApiVersion},
                                        {"plugins", std::move(plugins)},
                                        {"dirs", std::move(dirs)}});
}

Response PluginCatalog::Frame(const std::string& id) const {
  const std::optional<PluginEntry> e = Find(id);
  if (!e) return WithPluginHeaders(ErrorResponse(404, "no loadable plugin '" + id + "'"));
  // The plugin's module draws into #root and talks to the Debugger by postMessage.
  std::string html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     tmpl::HtmlEscape(e->manifest->title) +
                     "</title>\n<style>html,body{margin:0;padding:0;background:transparent;"
                     "font:12px system-ui,sans-serif;overflow:hidden}</style>\n"
                     "<script type=\"module\" src=\"files/" +
                     tmpl::HtmlEscape(UrlPath(e->manifest->entry)) +
                     "\"></script></head>\n<body><div id=\"root\"></div></body></html>\n";
  return WithPluginHeaders(Response{200, "text/html; charset=utf-8", {}, std::move(html)});
}

Response PluginCatalog::File(const Request& r, const std::string& id,
                             const std::string& rel) const {
  const std::optional<PluginEntry> e = Find(id);
  if (!e) return WithPluginHeaders(ErrorResponse(404, "no loadable plugin '" + id + "'"));
  const std::optional<fs::path> file =
      SafeRelativePath(rel) ? Inside(e->dir, e->dir / rel) : std::nullopt;
  const std::optional<std::string> body = file ? ReadSmallFile(*file, kMaxFileBytes) : std::nullopt;
  if (!body)
    return WithPluginHeaders(
        ErrorResponse(404, "plugin '" + id + "' has no file '" + rel.substr(0, 200) + "'"));
  Response out{200,
               ContentTypeFor(rel),
               {{"Access-Control-Allow-Origin", "*"}},
               r.method == "HEAD" ? "" : *body};
  return WithPluginHeaders(std::move(out));
}

void PluginCatalog::AddTo(Router& routes) const {
  routes.AddReply("GET", "/api/plugins",
                  [this](const Request&, const PathParams&) { return List(); });
  for (const char* method : {"GET", "HEAD"}) {
    routes.AddReply(
        method, "/plugins/{id}/frame",
        [this](const Request& r, const PathParams& p) {
          Response out = Frame(p.at("id"));
          if (r.method == "HEAD") out.body.clear();
          return out;
        },
        RouteAccess::kPublic);
    routes.AddReply(
        method, "/plugins/{id}/files/{path...}",
        [this](const Request& r, const PathParams& p) { return File(r, p.at("id"), p.at("path")); },
        RouteAccess::kPublic);
  }
}

}  // namespace inferno::server
