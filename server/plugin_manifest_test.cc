#include "server/plugin_manifest.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

constexpr const char* kGood = R"({
  "name": "token-ranks", "version": "1.0.2-beta.1", "title": "Token ranks",
  "description": "ranks", "entry": "src/main.mjs", "events": ["token", "top_k"],
  "api": 1, "height": 300})";

std::string ErrorOf(std::string_view text) {
  Result<PluginManifest> m = ParsePluginManifest(text);
  return m.ok() ? "" : m.status().message();
}

// The good manifest with `key` set to the raw JSON `value` ("" drops the key).
std::string With(const std::string& key, const std::string& value) {
  std::string base =
      R"({"name":"p","version":"1.0.0","entry":"main.js","events":["token"],"api":1)";
  if (!value.empty()) base += ",\"" + key + "\":" + value;
  return base + "}";
}

TEST(PluginManifest, ParsesEveryField) {
  Result<PluginManifest> m = ParsePluginManifest(kGood);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->name, "token-ranks");
  EXPECT_EQ(m->version, "1.0.2-beta.1");
  EXPECT_EQ(m->title, "Token ranks");
  EXPECT_EQ(m->entry, "src/main.mjs");
  EXPECT_EQ(m->events, (std::vector<std::string>{"token", "top_k"}));
  EXPECT_EQ(m->api, 1);
  EXPECT_EQ(m->height, 300);
}

TEST(PluginManifest, DefaultsTitleAndHeight) {
  Result<PluginManifest> m = ParsePluginManifest(With("", ""));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->title, "p");
  EXPECT_EQ(m->height, 240);
}

TEST(PluginManifest, NamesTheFieldThatIsWrong) {
  EXPECT_EQ(ErrorOf("{"), ErrorOf("{"));  // stable
  EXPECT_NE(ErrorOf("{").find("not JSON"), std::string::npos);
  EXPECT_EQ(ErrorOf("[1]"), "inferno-plugin.json: not a JSON object");
  EXPECT_EQ(ErrorOf(R"({"version":"1.0.0","entry":"a.js","events":["token"],"api":1})"),
            "inferno-plugin.json: 'name' is required");
  EXPECT_EQ(ErrorOf(With("extra", "1")), "inferno-plugin.json: unknown key 'extra'");
  EXPECT_NE(ErrorOf(With("title", "7")).find("'title' must be a string"), std::string::npos);
  EXPECT_NE(ErrorOf(With("height", "20")).find("'height' must be an integer from 60"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("height", "1.5")).find("'height'"), std::string::npos);
}

TEST(PluginManifest, RefusesBadNamesAndVersions) {
  for (const char* name : {"\"\"", "\"Caps\"", "\"-lead\"", "\"a/b\"", "\"a b\"", "\"..\""}) {
    const std::string text = R"({"name":)" + std::string(name) +
                             R"(,"version":"1.0.0","entry":"a.js","events":["token"],"api":1})";
    EXPECT_NE(ErrorOf(text).find("'name'"), std::string::npos) << name;
  }
  for (const char* v : {"1.0", "1.0.0.0", "1..0", "v1.0.0", "1.0.0-", "1.0.0-a b"}) {
    const std::string text = R"({"name":"p","version":")" + std::string(v) +
                             R"(","entry":"a.js","events":["token"],"api":1})";
    EXPECT_EQ(ErrorOf(text), "inferno-plugin.json: 'version' must look like 1.2.3") << v;
  }
}

TEST(PluginManifest, EntryStaysInsideTheFolder) {
  for (const char* entry : {"../x.js", "/abs.js", "a/../../x.js", "./a.js", ".hidden.js", "a//b.js",
                            "a\\\\b.js", "c:x.js"}) {
    const std::string text = R"({"name":"p","version":"1.0.0","entry":")" + std::string(entry) +
                             R"(","events":["token"],"api":1})";
    EXPECT_NE(ErrorOf(text).find("'entry' must be a relative path"), std::string::npos) << entry;
  }
  const std::string ts =
      R"({"name":"p","version":"1.0.0","entry":"main.ts","events":["token"],"api":1})";
  EXPECT_EQ(ErrorOf(ts), "inferno-plugin.json: 'entry' must name an ES module (.js or .mjs)");
}

TEST(PluginManifest, EventsAreKnownKindsOnce) {
  const std::string none = R"({"name":"p","version":"1.0.0","entry":"a.js","events":[],"api":1})";
  EXPECT_NE(ErrorOf(none).find("'events' must be a non-empty array"), std::string::npos);
  const std::string unknown =
      R"({"name":"p","version":"1.0.0","entry":"a.js","events":["tokens"],"api":1})";
  EXPECT_NE(ErrorOf(unknown).find("unknown kind 'tokens'; kinds are prompt, token"),
            std::string::npos);
  const std::string twice =
      R"({"name":"p","version":"1.0.0","entry":"a.js","events":["token","token"],"api":1})";
  EXPECT_EQ(ErrorOf(twice), "inferno-plugin.json: 'events' lists 'token' twice");
}

TEST(PluginManifest, ApiVersionMustBeOurs) {
  const std::string v2 =
      R"({"name":"p","version":"1.0.0","entry":"a.js","events":["token"],"api":2})";
  EXPECT_EQ(ErrorOf(v2), "inferno-plugin.json: 'api' is 2; this Inferno speaks version 1");
  const std::string none = R"({"name":"p","version":"1.0.0","entry":"a.js","events":["token"]})";
  EXPECT_EQ(ErrorOf(none), "inferno-plugin.json: 'api' is required");
}

TEST(SafeRelativePath, AcceptsPlainPathsOnly) {
  EXPECT_TRUE(SafeRelativePath("main.js"));
  EXPECT_TRUE(SafeRelativePath("lib/draw-2.mjs"));
  EXPECT_FALSE(SafeRelativePath(""));
  EXPECT_FALSE(SafeRelativePath(".."));
  EXPECT_FALSE(SafeRelativePath("a/.."));
  EXPECT_FALSE(SafeRelativePath("a/"));
  EXPECT_FALSE(SafeRelativePath(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace inferno::server
