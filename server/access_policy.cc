#include "server/access_policy.h"

#include <algorithm>
#include <cstdlib>

#include "server/route_responses.h"
#include "server/secure_random.h"

namespace inferno::server {
namespace {

constexpr size_t kMaxTickets = 256;  // outstanding at once; the oldest go first

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lower(s.substr(0, prefix.size())) == prefix;
}

// Strict dotted quad: four decimal octets 0..255, no leading '+', no empty parts.
bool ParseIpv4(std::string_view s, int octets[4]) {
  int n = 0;
  size_t i = 0;
  while (n < 4) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      value = value * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start || value > 255) return false;
    octets[n++] = value;
    if (n < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool IsApiPath(const std::string& p) {
  return p.rfind("/v1/", 0) == 0 || p.rfind("/api/", 0) == 0 || p == "/chat" || p == "/tokenize" ||
         p == "/detokenize" || p == "/metrics" || p == "/bench" || p.rfind("/bench/", 0) == 0 ||
         p == "/ws";
}

// A plugin's page runs sandboxed with an opaque origin, so its module scripts are fetched with
// 'Origin: null'. Those files are public like the UI's own; every other request from such a
// page (the API above all) is refused, key or not: the page was never given one.
bool PluginFileRead(const Request& r, std::string_view origin) {
  const bool reading = r.method == "GET" || r.method == "HEAD";
  return reading && Lower(origin) == "null" && r.path.rfind("/plugins/", 0) == 0;
}

Response Forbidden(std::string message) {
  return ErrorResponse(403, std::move(message), "forbidden");
}

}  // namespace

bool SplitHostPort(std::string_view value, std::string* host, int* port) {
  *port = -1;
  std::string_view h = value, p;
  if (!value.empty() && value.front() == '[') {
    const size_t close = value.find(']');
    if (close == std::string_view::npos) return false;
    h = value.substr(1, close - 1);
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      p = rest.substr(1);
      if (p.empty()) return false;
    }
  } else {
    const size_t colon = value.rfind(':');
    if (colon != std::string_view::npos) {
      if (value.find(':') != colon) return false;  // a bare IPv6 address must be bracketed
      h = value.substr(0, colon);
      p = value.substr(colon + 1);
      if (p.empty()) return false;
    }
  }
  if (h.empty()) return false;
  if (!p.empty()) {
    if (p.size() > 5 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    *port = std::atoi(std::string(p).c_str());
    if (*port > 65535) return false;
  }
  *host = Lower(h);
  return true;
}

bool IsLoopbackHost(std::string_view host) {
  std::string h = Lower(host);
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is the same name
  if (h == "localhost") return true;
  if (h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  if (h.rfind("::ffff:", 0) == 0) h = h.substr(7);
  int o[4];
  return ParseIpv4(h, o) && o[0] == 127;
}

AccessPolicy::AccessPolicy(AccessOptions options) : options_(std::move(options)) {
  for (std::string& h : options_.allowed_hosts) h = Lower(h);
}

void AccessPolicy::set_port(int port) { options_.port = port; }

bool AccessPolicy::HostAllowed(std::string_view host_header) const {
  std::string host;
  int port = -1;
  if (!SplitHostPort(host_header, &host, &port)) return false;
  if (IsLoopbackHost(host)) return true;
  if (host == Lower(options_.bound_host)) return true;
  for (const std::string& a : options_.allowed_hosts) {
    if (a == "*" || a == host) return true;
  }
  return false;
}

bool AccessPolicy::ListedOrigin(std::string_view origin) const {
  for (const std::string& a : options_.allowed_origins) {
    if (a == "*") return true;
    // Browsers send scheme://host[:port] in lower case with no path; compare case-insensitively
    // and forgive a trailing slash in the configured value.
    std::string want = Lower(a);
    if (!want.empty() && want.back() == '/') want.pop_back();
    if (want == Lower(origin)) return true;
  }
  return false;
}

bool AccessPolicy::OriginAllowed(std::string_view origin) const {
  if (origin.empty() || Lower(origin) == "null") return false;  // sandboxed frames, file://
  if (ListedOrigin(origin)) return true;
  constexpr std::string_view kHttp = "http://";
  if (!StartsWithNoCase(origin, kHttp)) return false;
  std::string host;
  int port = -1;
  if (!SplitHostPort(origin.substr(kHttp.size()), &host, &port)) return false;
  if (port < 0) port = 80;
  // Our own pages: served by this server under a name the Host check accepts, on our port.
  return port == options_.port && HostAllowed(origin.substr(kHttp.size()));
}

std::optional<Response> AccessPolicy::CheckRequest(const Request& r) const {
  const std::string_view host = r.header("host");
  // HTTP/1.0 clients may omit Host; browsers never do, so no rebinding can hide there.
  if (!host.empty() && !HostAllowed(host)) {
    return Forbidden("host '" + std::string(host.substr(0, 200)) +
                     "' is not allowed: this server answers to loopback names (localhost, "
                     "127.0.0.1, [::1]) and its --host; add others with --allowed-hosts");
  }
  bool has_origin = false;
  for (const auto& [name, value] : r.headers) {
    if (name != "origin") continue;
    has_origin = true;
    if (!OriginAllowed(value) && !PluginFileRead(r, value)) {
      return Forbidden("origin '" + value.substr(0, 200) +
                       "' is not allowed: only this server's own pages may call it from a "
                       "browser; allow another site with --allowed-origins");
    }
  }
  if (!has_origin) {
    // A cross-site subresource (<img>, <script>) carries no Origin; fetch metadata still
    // tells. Navigations (a link to the UI) stay allowed; the API does not serve them.
    const std::string site = Lower(r.header("sec-fetch-site"));
    const bool foreign = site == "cross-site" || site == "same-site";
    const bool navigation = Lower(r.header("sec-fetch-mode")) == "navigate";
    const bool reading = r.method == "GET" || r.method == "HEAD";
    if (foreign && (!reading || (!navigation && IsApiPath(r.path)) || r.path == "/ws")) {
      return Forbidden("cross-site request refused (Sec-Fetch-Site: " + site +
                       "); allow a site with --allowed-origins");
    }
  }
  return std::nullopt;
}

bool AccessPolicy::KeyMatches(std::string_view token) const {
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  // Constant time: the time taken must not reveal how much of the key matched.
  const std::string& key = options_.api_key;
  unsigned char diff = token.size() == key.size() ? 0 : 1;
  for (size_t i = 0; i < key.size(); ++i) diff |= key[i] ^ (i < token.size() ? token[i] : 0);
  return diff == 0;
}

bool AccessPolicy::Authorized(const Request& r) const {
  if (options_.api_key.empty()) return true;
  std::string_view auth = r.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  const bool bearer = StartsWithNoCase(auth, kBearer) && KeyMatches(auth.substr(kBearer.size()));
  // Anthropic's clients send the key in x-api-key.
  const std::string_view x_api_key = r.header("x-api-key");
  return bearer || (!x_api_key.empty() && KeyMatches(x_api_key));
}

std::optional<Response> AccessPolicy::CheckWebSocket(const Request& r) {
  if (std::optional<Response> refused = CheckRequest(r)) return refused;
  if (Authorized(r)) return std::nullopt;
  auto ticket = r.query.find("ticket");
  if (ticket != r.query.end() && ConsumeTicket(ticket->second)) return std::nullopt;
  return ErrorResponse(401,
                       ticket != r.query.end()
                           ? "the WebSocket ticket is unknown, used or expired; get a new one "
                             "with POST /api/ws-ticket"
                           : "missing API key: send 'Authorization: Bearer <key>', or from a "
                             "browser a ticket from POST /api/ws-ticket as ?ticket=",
                       "invalid_api_key");
}

std::string AccessPolicy::IssueWsTicket() {
  Ticket t{RandomHex128(), std::chrono::steady_clock::now() + options_.ticket_lifetime};
  MutexLock lock(&mu_);
  if (tickets_.size() >= kMaxTickets) tickets_.pop_front();
  tickets_.push_back(t);
  return t.value;
}

bool AccessPolicy::ConsumeTicket(std::string_view ticket) {
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(&mu_);
  while (!tickets_.empty() && tickets_.front().expires < now) tickets_.pop_front();
  for (auto it = tickets_.begin(); it != tickets_.end(); ++it) {
    if (it->value.size() == ticket.size() && it->value == ticket && it->expires >= now) {
      tickets_.erase(it);  // single use
      return true;
    }
  }
  return false;
}

Headers AccessPolicy::CorsHeaders(const Request& r) const {
  const std::string_view origin = r.header("origin");
  if (origin.empty() || !ListedOrigin(origin)) return {};
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Allow-Headers",
           // Anthropic's SDK adds its own headers, in a browser the last one too.
           "Authorization, Content-Type, X-Api-Key, Anthropic-Version, Anthropic-Beta, "
           "Anthropic-Dangerous-Direct-Browser-Access"},
          {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
          {"Access-Control-Max-Age", "600"},
          {"Access-Control-Expose-Headers", "Retry-After"},  // clients back off on 429
          {"Vary", "Origin"}};
}

Response AccessPolicy::Preflight() const {
  return Response{
      204, "text/plain", {{"Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"}}, ""};
}

}  // namespace inferno::server
