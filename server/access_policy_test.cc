#include "server/access_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace inferno::server {
namespace {

Request Req(std::string method, std::string path, Headers headers = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  r.headers = std::move(headers);
  return r;
}

AccessPolicy Policy(AccessOptions o = {}) {
  o.port = 8080;
  return AccessPolicy(std::move(o));
}

TEST(SplitHostPort, ParsesNamesAddressesAndPorts) {
  std::string h;
  int p;
  ASSERT_TRUE(SplitHostPort("LocalHost:8080", &h, &p));
  EXPECT_EQ(h, "localhost");
  EXPECT_EQ(p, 8080);
  ASSERT_TRUE(SplitHostPort("[::1]:9", &h, &p));
  EXPECT_EQ(h, "::1");
  EXPECT_EQ(p, 9);
  ASSERT_TRUE(SplitHostPort("[::1]", &h, &p));
  EXPECT_EQ(p, -1);
  for (const char* bad : {"", ":80", "a:", "a:b", "::1", "[::1", "[::1]x", "a:123456", "a:99999"})
    EXPECT_FALSE(SplitHostPort(bad, &h, &p)) << bad;
}

TEST(IsLoopbackHost, OnlyRealLoopback) {
  for (const char* yes : {"localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.255.0.9", "::1",
                          "::ffff:127.0.0.1"})
    EXPECT_TRUE(IsLoopbackHost(yes)) << yes;
  for (const char* no :
       {"127.0.0.1.evil.example", "evil.example", "localhost.evil.example", "128.0.0.1", "127.0.0",
        "127.0.0.256", "0127.0.0.1x", "10.0.0.1", "::2", "", "127.0.0.01.2"})
    EXPECT_FALSE(IsLoopbackHost(no)) << no;
}

TEST(AccessPolicy, HostAllowList) {
  AccessPolicy p = Policy();
  EXPECT_TRUE(p.HostAllowed("127.0.0.1:8080"));
  EXPECT_TRUE(p.HostAllowed("localhost"));
  EXPECT_TRUE(p.HostAllowed("[::1]:8080"));
  EXPECT_FALSE(p.HostAllowed("evil.example"));
  EXPECT_FALSE(p.HostAllowed("127.0.0.1.evil.example:8080"));
  EXPECT_FALSE(p.HostAllowed("192.168.1.5:8080"));

  AccessOptions o;
  o.bound_host = "192.168.1.5";
  o.allowed_hosts = {"Box.Lan"};
  AccessPolicy q = Policy(o);
  EXPECT_TRUE(q.HostAllowed("192.168.1.5:8080"));
  EXPECT_TRUE(q.HostAllowed("box.lan:8080"));
  EXPECT_FALSE(q.HostAllowed("evil.example"));

  o.allowed_hosts = {"*"};
  EXPECT_TRUE(Policy(o).HostAllowed("anything.example"));
}

TEST(AccessPolicy, RefusesForeignHostWithMessageNamingTheFlag) {
  AccessPolicy p = Policy();
  std::optional<Response> r =
      p.CheckRequest(Req("GET", "/api/conversations", {{"host", "evil.example"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("--allowed-hosts"), std::string::npos);
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/api/conversations", {{"host", "127.0.0.1:8080"}})));
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/health", {})));  // HTTP/1.0 without Host
}

TEST(AccessPolicy, OriginMustBeOursOrListed) {
  AccessPolicy p = Policy();
  EXPECT_TRUE(p.OriginAllowed("http://127.0.0.1:8080"));
  EXPECT_TRUE(p.OriginAllowed("http://localhost:8080"));
  EXPECT_TRUE(p.OriginAllowed("http://[::1]:8080"));
  EXPECT_FALSE(p.OriginAllowed("http://localhost:3000"));  // another local app
  EXPECT_FALSE(p.OriginAllowed("http://localhost"));       // port 80
  EXPECT_FALSE(p.OriginAllowed("https://127.0.0.1:8080"));
  EXPECT_FALSE(p.OriginAllowed("http://evil.example:8080"));
  EXPECT_FALSE(p.OriginAllowed("http://127.0.0.1.evil.example:8080"));
  EXPECT_FALSE(p.OriginAllowed("null"));
  EXPECT_FALSE(p.OriginAllowed(""));

  AccessOptions o;
  o.allowed_origins = {"https://app.example/"};
  AccessPolicy q = Policy(o);
  EXPECT_TRUE(q.OriginAllowed("https://app.example"));
  EXPECT_FALSE(q.OriginAllowed("https://app.example.evil"));
  EXPECT_FALSE(q.OriginAllowed("null"));
}

TEST(AccessPolicy, CheckRequestRefusesForeignOriginOnEveryMethod) {
  AccessPolicy p = Policy();
  for (const char* m : {"GET", "POST", "PUT", "DELETE", "OPTIONS"}) {
    std::optional<Response> r = p.CheckRequest(Req(
        m, "/api/conversations", {{"host", "127.0.0.1:8080"}, {"origin", "http://evil.example"}}));
    ASSERT_TRUE(r.has_value()) << m;
    EXPECT_EQ(r->status, 403);
    EXPECT_NE(r->body.find("--allowed-origins"), std::string::npos);
  }
  // A second Origin header cannot smuggle a bad one past the first.
  EXPECT_TRUE(p.CheckRequest(
      Req("POST", "/chat", {{"origin", "http://127.0.0.1:8080"}, {"origin", "null"}})));
  EXPECT_FALSE(p.CheckRequest(
      Req("POST", "/chat", {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:8080"}})));
}

// Plugin frames (sandboxed, opaque origin) send 'Origin: null': they may read the plugins'
// public files and nothing else, whether they hold the key or not (they were never given it).
TEST(AccessPolicy, OriginNullReadsPluginFilesOnly) {
  AccessOptions o;
  o.api_key = "sekret";
  o.allowed_origins = {"*"};  // even a wildcard does not admit opaque origins
  AccessPolicy p = Policy(o);
  const Headers null_origin = {{"host", "127.0.0.1:8080"}, {"origin", "null"}};
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/plugins/ranks/files/main.js", null_origin)));
  EXPECT_FALSE(p.CheckRequest(Req("HEAD", "/plugins/ranks/frame", null_origin)));
  for (const auto& [method, path] :
       std::vector<std::pair<const char*, const char*>>{{"GET", "/v1/models"},
                                                        {"GET", "/api/plugins"},
                                                        {"POST", "/v1/chat/completions"},
                                                        {"GET", "/api/conversations"},
                                                        {"POST", "/plugins/ranks/files/main.js"},
                                                        {"GET", "/ws"},
                                                        {"GET", "/"}}) {
    Headers with_key = null_origin;
    with_key.push_back({"authorization", "Bearer sekret"});
    for (const Headers& h : {null_origin, with_key}) {
      std::optional<Response> r = p.CheckRequest(Req(method, path, h));
      ASSERT_TRUE(r.has_value()) << method << " " << path;
      EXPECT_EQ(r->status, 403) << method << " " << path;
    }
  }
}

TEST(AccessPolicy, FetchMetadataWithoutOrigin) {
  AccessPolicy p = Policy();
  const Headers cross = {{"sec-fetch-site", "cross-site"}, {"sec-fetch-mode", "no-cors"}};
  EXPECT_TRUE(p.CheckRequest(Req("GET", "/api/conversations", cross)));  // <script src=...>
  EXPECT_TRUE(p.CheckRequest(Req("POST", "/v1/completions", cross)));
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/assets/app.js", cross)));
  const Headers nav = {{"sec-fetch-site", "cross-site"}, {"sec-fetch-mode", "navigate"}};
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/", nav)));  // a link to the UI
  EXPECT_FALSE(
      p.CheckRequest(Req("GET", "/api/conversations", {{"sec-fetch-site", "same-origin"}})));
  EXPECT_FALSE(p.CheckRequest(Req("GET", "/api/conversations", {{"sec-fetch-site", "none"}})));
}

TEST(AccessPolicy, BearerOnlyCaseInsensitiveScheme) {
  AccessOptions o;
  o.api_key = "s3cret";
  AccessPolicy p = Policy(o);
  EXPECT_TRUE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "Bearer s3cret"}})));
  EXPECT_TRUE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "bearer s3cret"}})));
  EXPECT_TRUE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "BEARER  s3cret "}})));
  EXPECT_FALSE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "Bearer s3cre"}})));
  EXPECT_FALSE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "Bearer s3crett"}})));
  EXPECT_FALSE(p.Authorized(Req("GET", "/v1/models", {{"authorization", "Basic s3cret"}})));
  Request q = Req("GET", "/v1/models");
  q.query["api_key"] = "s3cret";
  EXPECT_FALSE(p.Authorized(q));
  EXPECT_TRUE(Policy().Authorized(q));  // no key configured
}

TEST(AccessPolicy, AnthropicsXApiKeyHeader) {
  AccessOptions o;
  o.api_key = "s3cret";
  AccessPolicy p = Policy(o);
  EXPECT_TRUE(p.Authorized(Req("POST", "/v1/messages", {{"x-api-key", "s3cret"}})));
  EXPECT_FALSE(p.Authorized(Req("POST", "/v1/messages", {{"x-api-key", "s3cre"}})));
  EXPECT_FALSE(p.Authorized(Req("POST", "/v1/messages", {{"x-api-key", "s3crett"}})));
  EXPECT_FALSE(p.Authorized(Req("POST", "/v1/messages", {{"x-api-key", ""}})));
  // Either header may carry it; a wrong one beside the right one does not matter.
  EXPECT_TRUE(p.Authorized(
      Req("POST", "/v1/messages", {{"x-api-key", "wrong"}, {"authorization", "Bearer s3cret"}})));
  EXPECT_TRUE(Policy().Authorized(Req("POST", "/v1/messages", {{"x-api-key", "anything"}})));
}

TEST(AccessPolicy, WebSocketTicketsAreSingleUseAndExpire) {
  AccessOptions o;
  o.api_key = "k";
  o.ticket_lifetime = std::chrono::seconds(1);
  AccessPolicy p = Policy(o);
  Request up = Req("GET", "/ws", {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:8080"}});
  std::optional<Response> r = p.CheckWebSocket(up);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);

  const std::string t = p.IssueWsTicket();
  EXPECT_EQ(t.size(), 32u);
  up.query["ticket"] = t;
  EXPECT_FALSE(p.CheckWebSocket(up));  // accepted
  r = p.CheckWebSocket(up);            // used
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("/api/ws-ticket"), std::string::npos);

  up.query["ticket"] = p.IssueWsTicket();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(p.CheckWebSocket(up));  // expired

  // A valid ticket does not open the door to a foreign origin.
  up.query["ticket"] = p.IssueWsTicket();
  up.headers = {{"host", "127.0.0.1:8080"}, {"origin", "http://evil.example"}};
  r = p.CheckWebSocket(up);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403);
}

TEST(AccessPolicy, CorsHeadersOnlyForListedOrigins) {
  AccessOptions o;
  o.allowed_origins = {"https://app.example"};
  AccessPolicy p = Policy(o);
  Headers h = p.CorsHeaders(Req("GET", "/v1/models", {{"origin", "https://app.example"}}));
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h[0].first, "Access-Control-Allow-Origin");
  EXPECT_EQ(h[0].second, "https://app.example");
  EXPECT_TRUE(
      p.CorsHeaders(Req("GET", "/v1/models", {{"origin", "https://evil.example"}})).empty());
  EXPECT_TRUE(
      p.CorsHeaders(Req("GET", "/v1/models", {{"origin", "http://127.0.0.1:8080"}})).empty());
  Response pre = p.Preflight();
  EXPECT_EQ(pre.status, 204);
  ASSERT_EQ(pre.headers.size(), 1u);
  EXPECT_EQ(pre.headers[0].first, "Allow");
}

}  // namespace
}  // namespace inferno::server
