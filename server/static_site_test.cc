#include "server/static_site.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

constexpr WebAsset kAssets[] = {
    {"/index.html", "<!doctype html>app", "", "\"aaaa\""},
    {"/assets/app-1.js", "console.log(1)", "GZIPPED", "\"bbbb\""},
    {"/assets/font.woff2", "wOF2", "", "\"cccc\""},
};

Request Get(std::string path, Headers headers = {}) {
  Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(StaticSite, ServesFilesWithTypeEtagAndCaching) {
  const StaticSite site(kAssets);
  std::optional<Response> root = site.Respond(Get("/"));
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, "<!doctype html>app");
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(*root, "ETag"), "\"aaaa\"");
  EXPECT_EQ(HeaderOf(*root, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(*root, "Vary"), "");  // no gzip copy, nothing varies
  std::optional<Response> js = site.Respond(Get("/assets/app-1.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(*js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(*js, "Vary"), "Accept-Encoding");
  EXPECT_EQ(site.Respond(Get("/assets/font.woff2"))->content_type, "font/woff2");
}

TEST(StaticSite, ClientRoutesGetTheAppAndMissingAssetsNothing) {
  const StaticSite site(kAssets);
  std::optional<Response> route = site.Respond(Get("/debugger/session"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->body, "<!doctype html>app");
  EXPECT_FALSE(site.Respond(Get("/assets/missing.js")));
  EXPECT_FALSE(site.Respond(Get("/../index.html.bak")));
  EXPECT_FALSE(site.Respond(Get("/../../etc/passwd")));
  EXPECT_FALSE(site.Respond(Get("/assets/..")));
  EXPECT_FALSE(StaticSite({}).Respond(Get("/")));
}

TEST(StaticSite, GzipOnlyWhenAcceptedAndAvailable) {
  const StaticSite site(kAssets);
  std::optional<Response> gz =
      site.Respond(Get("/assets/app-1.js", {{"accept-encoding", "br, gzip"}}));
  EXPECT_EQ(gz->body, "GZIPPED");
  EXPECT_EQ(HeaderOf(*gz, "Content-Encoding"), "gzip");
  std::optional<Response> refused =
      site.Respond(Get("/assets/app-1.js", {{"accept-encoding", "gzip;q=0, br"}}));
  EXPECT_EQ(refused->body, "console.log(1)");
  EXPECT_EQ(HeaderOf(*refused, "Content-Encoding"), "");
  std::optional<Response> none = site.Respond(Get("/", {{"accept-encoding", "gzip"}}));
  EXPECT_EQ(none->body, "<!doctype html>app");  // index.html has no gzip copy here
  EXPECT_EQ(HeaderOf(*none, "Content-Encoding"), "");
}

TEST(StaticSite, MatchingIfNoneMatchGets304WithoutBody) {
  const StaticSite site(kAssets);
  std::optional<Response> same =
      site.Respond(Get("/assets/app-1.js", {{"if-none-match", "\"zzzz\", W/\"bbbb\""}}));
  EXPECT_EQ(same->status, 304);
  EXPECT_EQ(same->body, "");
  EXPECT_EQ(HeaderOf(*same, "ETag"), "\"bbbb\"");
  std::optional<Response> other =
      site.Respond(Get("/assets/app-1.js", {{"if-none-match", "\"aaaa\""}}));
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->body, "console.log(1)");
}

TEST(StaticSite, HeadSendsHeadersOnly) {
  const StaticSite site(kAssets);
  Request head = Get("/assets/app-1.js");
  head.method = "HEAD";
  std::optional<Response> r = site.Respond(head);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(HeaderOf(*r, "ETag"), "\"bbbb\"");
}

TEST(StaticSiteHeaders, AcceptEncodingAndIfNoneMatchParsing) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("x-gzip-like"));
  EXPECT_TRUE(EtagMatches("*", "\"a\""));
  EXPECT_TRUE(EtagMatches(" \"b\" , \"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches("W/\"a\"", "\"a\""));
  EXPECT_FALSE(EtagMatches("", "\"a\""));
  EXPECT_FALSE(EtagMatches("\"ab\"", "\"a\""));
  EXPECT_FALSE(EtagMatches("a", "\"a\""));
}

}  // namespace
}  // namespace inferno::server
