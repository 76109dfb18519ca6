#include "server/plugins.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

namespace inferno::server {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string Manifest(const std::string& name, const std::string& entry = "main.js") {
  return R"({"name":")" + name + R"(","version":"1.0.0","entry":")" + entry +
         R"(","events":["token"],"api":1})";
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class PluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        ("inferno-plugins-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    user_ = root_ / "user";
    shipped_ = root_ / "shipped";
    Write(root_ / "secret.txt", "top secret");
    Write(user_ / "good/inferno-plugin.json", Manifest("good", "lib/main.mjs"));
    Write(user_ / "good/lib/main.mjs", "export const x = 1;");
    Write(user_ / "good/style.css", "body{}");
    Write(user_ / "good/.env", "hidden");
    fs::create_symlink(root_ / "secret.txt", user_ / "good/leak.txt");
    Write(user_ / "badjson/inferno-plugin.json", "{not json");
    Write(user_ / "noentry/inferno-plugin.json", Manifest("noentry"));
    Write(user_ / "mismatch/inferno-plugin.json", Manifest("other"));
    Write(user_ / "mismatch/main.js", "");
    Write(user_ / "linkout/inferno-plugin.json", Manifest("linkout"));
    fs::create_symlink(root_ / "secret.txt", user_ / "linkout/main.js");
    fs::create_directories(user_ / "nomanifest");
    Write(shipped_ / "good/inferno-plugin.json", Manifest("good"));
    Write(shipped_ / "good/main.js", "shipped");
    Write(shipped_ / "extra/inferno-plugin.json", Manifest("extra"));
    Write(shipped_ / "extra/main.js", "export {}");
  }
  void TearDown() override { fs::remove_all(root_); }

  PluginCatalog Catalog() const {
    return PluginCatalog({{user_.string(), "user"}, {shipped_.string(), "shipped"}});
  }

  // A GET (or `method`) as the server parses it (target percent-decoded into path), through
  // the routes.
  Response Get(const std::string& target, const char* method = "GET") const {
    Request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(SplitTarget(r));
    Router routes;
    const PluginCatalog catalog = Catalog();
    catalog.AddTo(routes);
    struct Capture : ResponseWriter {
      Response got{0, "", {}, ""};
      void Send(Response response) override { got = std::move(response); }
      bool StartStream(int, std::string, Headers) override { return false; }
      bool Write(std::string_view) override { return false; }
      void EndStream() override {}
      bool started() const override { return got.status != 0; }
    } w;
    if (!routes.Dispatch(r, w)) return Response{404, "", {}, "no route"};
    return w.got;
  }

  fs::path root_, user_, shipped_;
};

TEST_F(PluginsTest, ListsLoadedAndBrokenPluginsWithTheirErrors) {
  const std::vector<PluginEntry> all =
      ScanPlugins({{user_.string(), "user"}, {shipped_.string(), "shipped"}});
  std::map<std::string, const PluginEntry*> by_id;
  for (const PluginEntry& e : all) by_id[e.id] = &e;
  ASSERT_EQ(all.size(), 7u);
  ASSERT_TRUE(by_id["good"]->manifest);
  EXPECT_EQ(by_id["good"]->source, "user");  // the user's copy hides the shipped one
  EXPECT_EQ(by_id["good"]->manifest->entry, "lib/main.mjs");
  EXPECT_EQ(by_id["extra"]->source, "shipped");
  EXPECT_TRUE(by_id["extra"]->manifest);
  EXPECT_NE(by_id["badjson"]->error.find("not JSON"), std::string::npos);
  EXPECT_EQ(by_id["noentry"]->error,
            "entry 'main.js' is not a file inside the plugin's folder (missing, or a link leading "
            "out of it)");
  EXPECT_EQ(by_id["linkout"]->error, by_id["noentry"]->error);
  EXPECT_EQ(by_id["mismatch"]->error,
            "inferno-plugin.json: 'name' is 'other' but the folder is 'mismatch'; they must "
            "match");
  EXPECT_NE(by_id["nomanifest"]->error.find("no readable inferno-plugin.json"), std::string::npos);
}

TEST_F(PluginsTest, ApiListingIsJson) {
  const Response r = Get("/api/plugins");
  ASSERT_EQ(r.status, 200);
  const json::object o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("api").as_int64(), 1);
  const json::array& plugins = o.at("plugins").as_array();
  ASSERT_EQ(plugins.size(), 7u);
  const json::object& extra = plugins[1].as_object();  // sorted: badjson, extra, good, ...
  EXPECT_EQ(extra.at("id").as_string(), "extra");
  EXPECT_EQ(extra.at("ok").as_bool(), true);
  EXPECT_EQ(extra.at("frame").as_string(), "/plugins/extra/frame");
  EXPECT_EQ(extra.at("events").as_array().size(), 1u);
  EXPECT_EQ(plugins[0].as_object().at("ok").as_bool(), false);
  EXPECT_TRUE(plugins[0].as_object().at("error").is_string());
}

TEST_F(PluginsTest, ServesFilesWithTypesAndSandboxHeaders) {
  const Response js = Get("/plugins/good/files/lib/main.mjs");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "export const x = 1;");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(js, "Access-Control-Allow-Origin"), "*");
  const std::string csp = HeaderOf(js, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("sandbox allow-scripts"), std::string::npos);
  EXPECT_EQ(csp.find("allow-same-origin"), std::string::npos);
  EXPECT_EQ(Get("/plugins/good/files/style.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/plugins/extra/files/main.js").body, "export {}");
}

TEST_F(PluginsTest, FramePageLoadsTheEntryModule) {
  const Response r = Get("/plugins/good/frame");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find(R"(<script type="module" src="files/lib/main.mjs"></script>)"),
            std::string::npos);
  EXPECT_NE(r.body.find(R"(<div id="root"></div>)"), std::string::npos);
  EXPECT_NE(HeaderOf(r, "Content-Security-Policy").find("sandbox allow-scripts"),
            std::string::npos);
  const Response head = Get("/plugins/good/frame", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(Get("/plugins/good/files/lib/main.mjs", "HEAD").body, "");
  EXPECT_EQ(Get("/plugins/badjson/frame").status, 404);
  EXPECT_EQ(Get("/plugins/nosuch/frame").status, 404);
}

TEST_F(PluginsTest, NothingOutsideThePluginFolderIsServed) {
  for (const char* target :
       {"/plugins/good/files/../../secret.txt", "/plugins/good/files/%2e%2e/%2e%2e/secret.txt",
        "/plugins/good/files/lib/%2E%2E/%2E%2E/%2E%2E/secret.txt",
        "/plugins/good/files/..%2f..%2fsecret.txt", "/plugins/good/files/leak.txt",
        "/plugins/good/files/.env", "/plugins/good/files/lib", "/plugins/good/files/nosuch.js",
        "/plugins/..%2fuser%2fgood/files/main.js", "/plugins/%2e%2e/files/secret.txt",
        "/plugins/linkout/files/main.js", "/plugins/good/files/lib%5c..%5c..%5csecret.txt"}) {
    const Response r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace inferno::server
