// The binary carries its web UI and knows its build: a copy of `inferno` in an empty directory,
// started from /, serves the UI of web/dist byte for byte (ETag = first 128 bits of the file's
// SHA-256, 304 on If-None-Match, gzip that inflates back to the file), and --version names the
// checkout's commit.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
using testing::HttpRequest;
using testing::HttpResponse;

const fs::path kDist = fs::path(INFERNO_SOURCE_DIR) / "web" / "dist";

std::string QuotedSha256Prefix(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex = "\"";
  for (int i = 0; i < 16; ++i) {
    static const char kHex[] = "0123456789abcdef";
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex + "\"";
}

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return "";
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = uInt(gz.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

TEST(Relocatable, CopiedBinaryServesItsOwnUiFromAnyDirectory) {
  if (!fs::exists(kDist / "index.html")) GTEST_SKIP() << "web/dist not built (no Node.js)";
  const fs::path dir = testing::FreshTempDir("relocatable", "ui");
  fs::copy_file(testing::InfernoBinary(), dir / "inferno");
  testing::ServerProcess server(
      {"-m", testing::FixtureModel(), "--data-dir", (dir / "data").string()},
      (dir / "inferno").string(), "/");
  ASSERT_TRUE(server.ok()) << server.startup_output();

  const std::string index = testing::ReadAll(kDist / "index.html");
  HttpResponse root = HttpRequest(server.port(), "GET", "/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.body, index);
  EXPECT_EQ(root.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(root.headers["cache-control"], "no-cache");
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/debugger").body, index);  // client route

  std::smatch m;
  ASSERT_TRUE(std::regex_search(index, m, std::regex(R"re(src="(/assets/[^"]+\.js)")re")));
  const std::string asset = m[1];
  const std::string js = testing::ReadAll(kDist / asset.substr(1));
  HttpResponse plain = HttpRequest(server.port(), "GET", asset);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, js);
  EXPECT_EQ(plain.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(plain.headers["etag"], QuotedSha256Prefix(js));
  EXPECT_EQ(plain.headers["content-encoding"], "");

  HttpResponse gz = HttpRequest(server.port(), "GET", asset, "", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_LT(gz.body.size(), js.size() / 2);
  EXPECT_EQ(Gunzip(gz.body), js);

  HttpResponse cached =
      HttpRequest(server.port(), "GET", asset, "", {{"If-None-Match", plain.headers["etag"]}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_EQ(cached.body, "");
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/assets/missing-1234.js").status, 404);
  EXPECT_EQ(server.Stop(), 0);
  fs::remove_all(dir);
}

// --web-root (for working on the UI) reads the directory on each request, never outside it.
TEST(Relocatable, WebRootServesADirectoryAndNothingOutsideIt) {
  const fs::path dir = testing::FreshTempDir("relocatable", "webroot");
  fs::create_directories(dir / "ui" / "assets");
  std::ofstream(dir / "ui" / "index.html") << "<p>dev build</p>";
  std::ofstream(dir / "ui" / "assets" / "a.css") << "p{}";
  std::ofstream(dir / "secret.txt") << "secret";
  testing::ServerProcess server({"-m", testing::FixtureModel(), "--data-dir",
                                 (dir / "data").string(), "--web-root", (dir / "ui").string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/").body, "<p>dev build</p>");
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/settings").body, "<p>dev build</p>");
  HttpResponse css = HttpRequest(server.port(), "GET", "/assets/a.css");
  EXPECT_EQ(css.body, "p{}");
  EXPECT_EQ(css.headers["content-type"], "text/css; charset=utf-8");
  std::ofstream(dir / "ui" / "index.html") << "<p>rebuilt</p>";  // no restart needed
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/").body, "<p>rebuilt</p>");
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/../secret.txt").status, 404);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(server.Stop(), 0);
  // A directory without index.html is refused at start, not served as 404s.
  const testing::ProcessResult bad = testing::RunProcess(
      {testing::InfernoBinary(), "serve", "--port", "0", "--web-root", (dir / "data").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("has no index.html"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

TEST(Relocatable, VersionNamesTheCommit) {
  const testing::ProcessResult v = testing::RunProcess({testing::InfernoBinary(), "--version"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      v.out, m,
      std::regex(R"(inferno \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n)")))
      << v.out;
  // A source tree without its own .git (a tarball): "unknown" is right.
  if (!fs::exists(fs::path(INFERNO_SOURCE_DIR) / ".git")) return;
  ASSERT_NE(m[1], "unknown") << "built in a git checkout, yet no commit";
  // A commit of this checkout: HEAD, or an ancestor of it when commits were made after the
  // build (`make test` builds first, so there it is HEAD).
  const std::string commit = std::string(m[1]).substr(0, 12);
  const testing::ProcessResult known = testing::RunProcess(
      {"git", "-C", INFERNO_SOURCE_DIR, "merge-base", "--is-ancestor", commit, "HEAD"});
  EXPECT_EQ(known.exit_code, 0) << commit << " is not HEAD or an ancestor of it: " << known.err;
}

}  // namespace
}  // namespace inferno
