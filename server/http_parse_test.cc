#include "server/http_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace inferno::server {
namespace {

TEST(ParseRequestBytes, ParsesARequestAsTheServerSeesIt) {
  const std::string bytes =
      "POST /v1/chat%20x?a=1&b=x+y HTTP/1.1\r\nHost: h\r\nX-Thing: V\r\n"
      "Content-Length: 2\r\n\r\n{}";
  const RequestParse r = ParseRequestBytes(bytes, 1024);
  ASSERT_TRUE(r.parsed) << r.error;
  EXPECT_EQ(r.consumed, bytes.size());
  const Request& req = r.parsed->request;
  EXPECT_TRUE(r.parsed->target_ok);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/chat x");
  EXPECT_EQ(req.query.at("b"), "x y");
  EXPECT_EQ(req.header("x-thing"), "V");
  EXPECT_EQ(req.body, "{}");
  EXPECT_TRUE(r.parsed->keep_alive);
  EXPECT_FALSE(r.parsed->websocket_upgrade);
}

TEST(ParseRequestBytes, StopsAtTheEndOfTheFirstOfPipelinedRequests) {
  const std::string first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  const RequestParse r = ParseRequestBytes(first + "GET /b HTTP/1.1\r\n\r\n", 1024);
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(r.parsed->request.path, "/a");
}

TEST(ParseRequestBytes, ReportsLimitsTruncationAndBadTargets) {
  const RequestParse big =
      ParseRequestBytes("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", 10);
  EXPECT_FALSE(big.parsed);
  EXPECT_TRUE(big.too_large);

  const RequestParse huge_header =
      ParseRequestBytes("GET / HTTP/1.1\r\nX: " + std::string(70000, 'a') + "\r\n\r\n", 10);
  EXPECT_TRUE(huge_header.too_large);

  const RequestParse cut = ParseRequestBytes("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 10);
  EXPECT_FALSE(cut.parsed);
  EXPECT_TRUE(cut.incomplete);
  EXPECT_TRUE(ParseRequestBytes("", 10).incomplete);

  const RequestParse garbage = ParseRequestBytes("\x01\x02 nonsense\r\n\r\n", 10);
  EXPECT_FALSE(garbage.parsed);
  EXPECT_FALSE(garbage.incomplete);
  EXPECT_FALSE(garbage.error.empty());

  const RequestParse bad_target = ParseRequestBytes("GET /%zz HTTP/1.1\r\n\r\n", 10);
  ASSERT_TRUE(bad_target.parsed);
  EXPECT_FALSE(bad_target.parsed->target_ok);
}

TEST(ParseRequestBytes, RecognisesAWebSocketUpgrade) {
  const RequestParse r = ParseRequestBytes(
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      10);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.parsed->websocket_upgrade);
}

}  // namespace
}  // namespace inferno::server
