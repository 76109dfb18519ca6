#include "server/static_site.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace inferno::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Calls f(item) for each comma-separated item, trimmed.
template <typename F>
bool AnyListItem(std::string_view list, F f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (f(Trim(list.substr(0, comma)))) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The q value of "coding;q=0.5" (1 when absent or unreadable).
double QValue(std::string_view params) {
  const size_t q = params.find("q=");
  if (q == std::string_view::npos) return 1.0;
  try {
    return std::stod(std::string(params.substr(q + 2)));
  } catch (...) {
    return 1.0;
  }
}

bool HasExtension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  return dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash);
}

}  // namespace

const char* ContentTypeFor(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

const char* CacheControlFor(std::string_view path) {
  const bool index = path == "index.html" || path.ends_with("/index.html");
  return index ? "no-cache" : "public, max-age=31536000, immutable";
}

bool AcceptsGzip(std::string_view accept_encoding) {
  return AnyListItem(accept_encoding, [](std::string_view item) {
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    if (!EqualsIgnoreCase(coding, "gzip") && coding != "*") return false;
    return semi == std::string_view::npos || QValue(item.substr(semi + 1)) > 0;
  });
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  return AnyListItem(if_none_match, [&](std::string_view tag) {
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag == etag;
  });
}

const WebAsset* StaticSite::Find(std::string_view path) const {
  for (const WebAsset& a : assets_) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::optional<Response> StaticSite::Respond(const Request& r) const {
  const std::string_view path = r.path == "/" ? "/index.html" : std::string_view(r.path);
  // Nothing here is read from disk, but a path climbing out of the root is no client route:
  // it gets 404 as it would from a file server, not the app.
  if (path.find("/../") != std::string_view::npos || path.ends_with("/..")) return std::nullopt;
  const WebAsset* asset = Find(path);
  // Client-side routes (no extension) get the app; missing assets get 404.
  if (asset == nullptr && !HasExtension(path)) asset = Find("/index.html");
  if (asset == nullptr) return std::nullopt;
  Response out{200, ContentTypeFor(asset->path), {}, ""};
  out.headers = {{"ETag", std::string(asset->etag)},
                 {"Cache-Control", CacheControlFor(asset->path)}};
  if (!asset->gzip.empty()) out.headers.push_back({"Vary", "Accept-Encoding"});
  if (EtagMatches(r.header("if-none-match"), asset->etag)) {
    out.status = 304;
    return out;
  }
  const bool gzip = !asset->gzip.empty() && AcceptsGzip(r.header("accept-encoding"));
  if (gzip) out.headers.push_back({"Content-Encoding", "gzip"});
  if (r.method != "HEAD") out.body = std::string(gzip ? asset->gzip : asset->body);
  return out;
}

}  // namespace inferno::server
