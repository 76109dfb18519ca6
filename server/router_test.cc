// The route table alone: patterns, path parameters, 405 with Allow, unmatched paths.
#include "server/router.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

Request Make(const std::string& method, const std::string& target) {
  Request r;
  r.method = method;
  r.target = target;
  EXPECT_TRUE(SplitTarget(r));
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* pattern : {"/v1/models", "/v1/models/{id...}", "/api/models/{id...}/options",
                                "/bench/runs/{id}.csv", "/bench/runs/{id}"}) {
      t_.AddReply("GET", pattern, [pattern](const Request&, const PathParams& p) {
        std::string body = pattern;
        for (const auto& [k, v] : p) body += " " + k + "=" + v;
        return Response{200, "text/plain", {}, body};
      });
    }
    t_.AddReply("DELETE", "/bench/runs/{id}", [](const Request&, const PathParams&) {
      return Response{204, "", {}, ""};
    });
  }
  std::string Body(const std::string& method, const std::string& target) {
    const Router::Match m = t_.Find(Make(method, target));
    if (m.pattern == nullptr) return "none";
    if (m.handler == nullptr) return "405 " + m.allow;
    std::string body = *m.pattern;
    for (const auto& [k, v] : m.params) body += " " + k + "=" + v;
    return body;
  }
  Router t_;
};

TEST_F(RouterTest, PatternsAndParameters) {
  EXPECT_EQ(Body("GET", "/v1/models"), "/v1/models");
  EXPECT_EQ(Body("GET", "/v1/models/"), "/v1/models");  // a trailing slash is the same path
  EXPECT_EQ(Body("GET", "/v1/models/family/tiny"), "/v1/models/{id...} id=family/tiny");
  EXPECT_EQ(Body("GET", "/api/models/a/b/options"), "/api/models/{id...}/options id=a/b");
  EXPECT_EQ(Body("GET", "/api/models/options"), "none");  // the id takes one segment or more
  EXPECT_EQ(Body("GET", "/bench/runs/7.csv"), "/bench/runs/{id}.csv id=7");
  EXPECT_EQ(Body("GET", "/bench/runs/7"), "/bench/runs/{id} id=7");
  EXPECT_EQ(Body("GET", "/bench/runs/.csv"), "/bench/runs/{id} id=.csv");
  EXPECT_EQ(Body("GET", "/bench/runs/7/x"), "none");
}

TEST_F(RouterTest, OtherMethodsGet405WithAllow) {
  EXPECT_EQ(Body("PUT", "/bench/runs/7"), "405 GET, DELETE");
  // The first pattern that takes the path decides, even if a later one takes the method.
  EXPECT_EQ(Body("DELETE", "/bench/runs/7.csv"), "405 GET");
  Request r = Make("POST", "/v1/models");
  struct Sink : ResponseWriter {
    void Send(Response res) override { got = std::move(res); }
    bool StartStream(int, std::string, Headers) override { return false; }
    bool Write(std::string_view) override { return false; }
    void EndStream() override {}
    bool started() const override { return false; }
    Response got;
  } sink;
  ASSERT_TRUE(t_.Dispatch(r, sink));
  EXPECT_EQ(sink.got.status, 405);
  ASSERT_EQ(sink.got.headers.size(), 1u);
  EXPECT_EQ(sink.got.headers[0].second, "GET");
  EXPECT_NE(sink.got.body.find("\"method_not_allowed\""), std::string::npos);
  EXPECT_FALSE(t_.Dispatch(Make("GET", "/nowhere"), sink));
}

}  // namespace
}  // namespace inferno::server
