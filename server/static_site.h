// The web UI's files as the server answers them from memory: the build compiles web/dist into
// the binary (cmake/embed_web.cmake), so that an installed or copied `inferno` serves its UI
// from any directory. Each file carries a strong ETag (hash of its bytes) answered with 304 on
// a matching If-None-Match, and a gzip copy sent to clients that accept it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "server/http_types.h"

namespace inferno::server {

// One file of the UI. The views point at static data (the generated arrays).
struct WebAsset {
  std::string_view path;  // URL path, "/index.html", "/assets/index-1a2b.js"
  std::string_view body;
  std::string_view gzip;  // empty when gzip would not make it smaller
  std::string_view etag;  // quoted, as sent: "\"3f2a...\""
};

// The Content-Type of a file by its extension.
const char* ContentTypeFor(std::string_view path);

// The Cache-Control of a UI file: Vite's hashed assets never change, while index.html (which
// names them) must be revalidated on every load.
const char* CacheControlFor(std::string_view path);

// Whether an Accept-Encoding header value accepts gzip (a "gzip" or "*" with q above 0).
bool AcceptsGzip(std::string_view accept_encoding);

// Whether an If-None-Match header value names `etag` (or is "*"); weak tags W/"..." compare
// by their value, as RFC 9110 says for If-None-Match.
bool EtagMatches(std::string_view if_none_match, std::string_view etag);

class StaticSite {
 public:
  explicit StaticSite(std::span<const WebAsset> assets) : assets_(assets) {}

  bool empty() const { return assets_.empty(); }

  // The answer to a GET or HEAD of `r.path`: the file, or index.html for a client-side route
  // (a path without an extension), or nothing (a missing asset: the caller answers 404).
  std::optional<Response> Respond(const Request& r) const;

 private:
  const WebAsset* Find(std::string_view path) const;

  std::span<const WebAsset> assets_;
};

}  // namespace inferno::server
