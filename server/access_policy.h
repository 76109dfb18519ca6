// Who may talk to the server. Listening on 127.0.0.1 is not a wall: every web page the user
// opens can send requests to it. This class is the one place that decides, before any route
// runs, whether a request is one the user meant:
//
//  - Host allow-list, against DNS rebinding (a page whose name re-resolves to 127.0.0.1 sends
//    its own name in Host): loopback names and addresses, the bound host, --allowed-hosts.
//  - Origin check on every request that carries Origin (browsers send it on cross-origin
//    fetches, form posts and WebSocket upgrades): same origin or --allowed-origins, else 403.
//    "Simple" requests (text/plain, forms) are no exception: they run without a preflight.
//    'Origin: null' (sandboxed frames, file://) is refused everywhere, even with the key,
//    except for reading the plugins' public files (server/plugins.h), which plugin frames load.
//  - Fetch metadata: a cross-site request without Origin (an <img> or <script> pointing at the
//    API) is refused on API routes; navigations to the UI stay open.
//  - The API key: 'Authorization: Bearer KEY' or Anthropic's 'x-api-key: KEY', never the query
//    string (it ends up in logs and history); browsers' WebSockets, which cannot set headers, use a
//    short-lived, single-use ticket issued to an authenticated POST.
//
// Requests with no Origin (curl, SDKs) pass the Origin check unchanged: they are not a page
// the user happens to be visiting.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/thread_annotations.h"
#include "server/http_types.h"

namespace inferno::server {

struct AccessOptions {
  std::string bound_host = "127.0.0.1";      // --host
  int port = 0;                              // the port actually listened on
  std::vector<std::string> allowed_hosts;    // --allowed-hosts: names or addresses; "*" = any
  std::vector<std::string> allowed_origins;  // --allowed-origins: scheme://host[:port]; "*" = any
  std::string api_key;                       // empty: no authentication
  std::chrono::seconds ticket_lifetime{60};
};

// "host", "host:port", "[v6]", "[v6]:port" -> lower-case host without brackets and port.
// Returns false for an empty or malformed value.
bool SplitHostPort(std::string_view value, std::string* host, int* port);

// localhost, 127.0.0.0/8 written as a dotted quad, ::1 (and ::ffff:127.x.y.z).
bool IsLoopbackHost(std::string_view host);

class AccessPolicy {
 public:
  explicit AccessPolicy(AccessOptions options);

  // Called once the port is known (--port 0 picks one at Listen()).
  void set_port(int port);

  // Host, Origin and fetch-metadata checks for an HTTP request or a WebSocket upgrade:
  // nullopt to go on, else the 403 to send. Authentication is separate (Authorized).
  std::optional<Response> CheckRequest(const Request& r) const;

  // Whether the request carries the API key in 'Authorization: Bearer' (the scheme
  // case-insensitive) or in 'x-api-key' (always true without a key).
  bool Authorized(const Request& r) const;
  bool has_api_key() const { return !options_.api_key.empty(); }

  // A WebSocket upgrade: the checks above, then the key (header) or a ticket (?ticket=).
  // nullopt to accept; else the response to refuse with.
  std::optional<Response> CheckWebSocket(const Request& r) EXCLUDES(mu_);

  // A fresh single-use ticket for one WebSocket upgrade, valid for ticket_lifetime.
  std::string IssueWsTicket() EXCLUDES(mu_);
  int ticket_lifetime_seconds() const { return int(options_.ticket_lifetime.count()); }

  // CORS headers for a response to `r`: only for an Origin in --allowed-origins.
  Headers CorsHeaders(const Request& r) const;
  // The answer to an OPTIONS request (preflight or not), before the CORS headers that every
  // response to an allowed origin gets (CorsHeaders).
  Response Preflight() const;

  bool HostAllowed(std::string_view host_header) const;
  // Same origin (http, an allowed host, this port) or listed in --allowed-origins.
  bool OriginAllowed(std::string_view origin) const;

 private:
  bool ListedOrigin(std::string_view origin) const;
  // `token` (surrounding spaces aside) is the key, compared in constant time.
  bool KeyMatches(std::string_view token) const;
  bool ConsumeTicket(std::string_view ticket) EXCLUDES(mu_);

  AccessOptions options_;

  Mutex mu_;
  struct Ticket {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::deque<Ticket> tickets_ GUARDED_BY(mu_);  // oldest first, bounded
};

}  // namespace inferno::server
