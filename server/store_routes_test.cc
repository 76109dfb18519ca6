// StoreRoutes in-process (no sockets): path matching, status codes and headers. The whole API
// over loopback against the real binary is tests/store_api_test.cc.
#include "server/store_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

namespace inferno::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class StoreRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inferno_routes_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    Result<std::unique_ptr<store::Store>> s = store::Store::Open((dir_ / "inferno.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    routes_ = std::make_unique<StoreRoutes>(*store_);
  }
  void TearDown() override {
    routes_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  std::optional<Response> Call(const std::string& method, const std::string& target,
                               const std::string& body = "") {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    EXPECT_TRUE(SplitTarget(r));
    return routes_->Handle(r);
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StoreRoutes> routes_;
};

TEST_F(StoreRoutesTest, OnlyItsOwnPathsAreAnswered) {
  EXPECT_FALSE(Call("GET", "/v1/models").has_value());
  EXPECT_FALSE(Call("GET", "/api").has_value());
  EXPECT_FALSE(Call("GET", "/api/bench").has_value());  // left for other /api/ handlers
  EXPECT_FALSE(Call("GET", "/api/sessions/s1/x").has_value());
  std::optional<Response> sessions = Call("GET", "/api/sessions");
  ASSERT_TRUE(sessions.has_value());
  EXPECT_EQ(sessions->body, R"({"sessions":[]})");
  EXPECT_FALSE(Call("GET", "/api/conversations/1/other").has_value());
  EXPECT_FALSE(Call("DELETE", "/api/conversations/1/messages/2/3").has_value());
  EXPECT_FALSE(Call("GET", "/api/profiles/1/x").has_value());
  // A trailing slash names the same resource.
  std::optional<Response> list = Call("GET", "/api/conversations/");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->body, R"({"conversations":[]})");
}

TEST_F(StoreRoutesTest, StatusCodesBodiesAndHeaders) {
  std::optional<Response> created = Call("POST", "/api/conversations", R"({"title":"x"})");
  ASSERT_EQ(created->status, 201);
  EXPECT_EQ(created->content_type, "application/json");
  const std::string id(json::parse(created->body).as_object().at("id").as_string());
  std::optional<Response> del = Call("DELETE", "/api/conversations/" + id);
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(del->body, "");
  std::optional<Response> wrong = Call("PATCH", "/api/conversations");
  EXPECT_EQ(wrong->status, 405);
  ASSERT_EQ(wrong->headers.size(), 1u);
  EXPECT_EQ(wrong->headers[0], (std::pair<std::string, std::string>{"Allow", "GET, POST"}));
  std::optional<Response> missing = Call("PUT", "/api/profiles/abc", R"({"name":"n"})");
  EXPECT_EQ(missing->status, 404);
  json::object err = json::parse(missing->body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("type"), "not_found_error");
  EXPECT_EQ(err.at("code"), "not_found");
  std::optional<Response> typed = Call("POST", "/api/profiles", R"({"name":1})");
  EXPECT_EQ(typed->status, 400);
  EXPECT_EQ(json::parse(typed->body).as_object().at("error").as_object().at("param"), "name");
}

// Found by json_routes_fuzz: errors quote the client's path or field names, which may be
// anything but UTF-8 once percent-decoded or cut to 40 bytes; the body must still be JSON.
TEST_F(StoreRoutesTest, ErrorsQuotingNonUtf8InputAreStillJson) {
  for (const char* target :
       {"/api/conversations/%FF%FE", "/api/sessions/%C3", "/api/profiles/%80"}) {
    SCOPED_TRACE(target);
    std::optional<Response> r = Call("PUT", target, R"({"name":"n"})");
    ASSERT_TRUE(r.has_value());
    json::error_code ec;
    json::parse(r->body, ec);
    EXPECT_FALSE(ec) << r->body;
  }
}

}  // namespace
}  // namespace inferno::server
