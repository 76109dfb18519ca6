#include "server/mcp_protocol.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server::mcp {
namespace {

namespace json = boost::json;

TEST(McpProtocol, RequestsAreJsonRpc) {
  EXPECT_EQ(Request(7, "tools/list", json::object{{"cursor", "c2"}}),
            R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"c2"}})");
  EXPECT_EQ(Notification("notifications/initialized"),
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  const json::object init = InitializeParams();
  EXPECT_EQ(init.at("protocolVersion").as_string(), "2025-11-25");
  EXPECT_EQ(init.at("clientInfo").at("name").as_string(), "inferno");
}

TEST(McpProtocol, AnswersPingAndRefusesOtherServerRequests) {
  EXPECT_EQ(*AnswerServerRequest(json::parse(R"({"jsonrpc":"2.0","id":"p1","method":"ping"})")),
            R"({"jsonrpc":"2.0","id":"p1","result":{}})");
  const std::string refused = *AnswerServerRequest(
      json::parse(R"({"jsonrpc":"2.0","id":3,"method":"sampling/createMessage"})"));
  EXPECT_NE(refused.find("-32601"), std::string::npos);
  EXPECT_FALSE(AnswerServerRequest(json::parse(R"({"jsonrpc":"2.0","method":"notifications/x"})")));
  EXPECT_FALSE(AnswerServerRequest(json::parse(R"({"jsonrpc":"2.0","id":3,"result":{}})")));
}

TEST(McpProtocol, EventStreamMessages) {
  Result<std::vector<json::value>> m = ParseEventStream(
      "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n\n"
      ": comment\r\ndata: {\"jsonrpc\":\"2.0\",\r\ndata: \"id\":4,\"result\":{}}\r\n\r\n");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_FALSE(IsResponseTo((*m)[0], 4));
  EXPECT_TRUE(IsResponseTo((*m)[1], 4));
  EXPECT_FALSE(IsResponseTo((*m)[1], 5));
  Result<std::vector<json::value>> bad = ParseEventStream("data: {oops\n\n");
  EXPECT_NE(bad.status().message().find("not JSON"), std::string::npos);
}

TEST(McpProtocol, ErrorsAndResults) {
  Result<json::value> err = ResultOf(json::parse(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}})"));
  EXPECT_EQ(err.status().message(), "MCP error -32602: Unknown tool: x");
  EXPECT_FALSE(ResultOf(json::parse(R"({"jsonrpc":"2.0","id":1,"result":3})")).ok());
  EXPECT_FALSE(ParseMessage("[1").ok());
  EXPECT_FALSE(ParseMessage("42").ok());
}

TEST(McpProtocol, InitializeNegotiatesAKnownVersion) {
  Result<ServerHello> h = ParseInitializeResult(
      json::parse(R"({"protocolVersion":"2025-06-18","capabilities":{"tools":{}},)"
                  R"("serverInfo":{"name":"demo","version":"1.0"}})"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->protocol_version, "2025-06-18");
  EXPECT_EQ(h->name, "demo");
  EXPECT_TRUE(h->has_tools);
  Result<ServerHello> old =
      ParseInitializeResult(json::parse(R"({"protocolVersion":"2023-01-01"})"));
  EXPECT_EQ(old.status().code(), Status::Code::kUnsupported);
}

TEST(McpProtocol, ToolsListPagesAndBadTools) {
  Result<ToolPage> p = ParseToolsList(json::parse(
      R"({"tools":[{"name":"add","description":"Adds","inputSchema":{"type":"object"}}],)"
      R"("nextCursor":"2"})"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tools[0].name, "add");
  EXPECT_EQ(p->next_cursor, "2");
  EXPECT_EQ(ParseToolsList(json::parse(R"({"tools":[{"name":"a"}]})")).status().message(),
            "tools/list: tools[0] ('a') has no inputSchema");
  EXPECT_FALSE(ParseToolsList(json::parse(R"({"tools":{}})")).ok());
}

TEST(McpProtocol, CallResultsJoinTextBlocks) {
  Result<ToolOutput> out = ParseCallResult(
      json::parse(R"({"content":[{"type":"text","text":"a"},{"type":"image","data":"..."},)"
                  R"({"type":"text","text":"b"}],"isError":true})"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "a\n[image content]\nb");
  EXPECT_TRUE(out->is_error);
  EXPECT_EQ(out->content.size(), 3u);
  EXPECT_FALSE(ParseCallResult(json::parse(R"({"content":[1]})")).ok());
}

}  // namespace
}  // namespace inferno::server::mcp
