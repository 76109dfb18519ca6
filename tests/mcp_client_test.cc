// Inferno's MCP client (server/mcp_client.h) against a real MCP server written with the
// official SDK (tests/node/mcp_test_server.mjs), over both transports, and against commands
// that misbehave: not found, dying with a message on stderr, writing garbage, never answering.
#include "server/mcp_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/mcp_test_server.h"

namespace inferno::server::mcp {
namespace {

namespace json = boost::json;
using testing::McpHttpTestServer;
using testing::McpStdioCommand;

Client StdioClient(const std::vector<std::string>& argv, int timeout_ms = 30000) {
  Result<std::unique_ptr<Transport>> t =
      StartStdioTransport({argv[0], std::vector<std::string>(argv.begin() + 1, argv.end())});
  EXPECT_TRUE(t.ok()) << t.status().message();
  return Client(std::move(*t), timeout_ms);
}

Client HttpClient(const std::string& url, std::map<std::string, std::string> headers = {}) {
  Result<std::unique_ptr<Transport>> t = NewHttpTransport({url, std::move(headers)});
  EXPECT_TRUE(t.ok()) << t.status().message();
  return Client(std::move(*t), 30000);
}

// What every transport must give with the SDK's server.
void ExpectTestServerWorks(Client& c) {
  Result<ServerHello> hello = c.Initialize();
  ASSERT_TRUE(hello.ok()) << hello.status().message();
  EXPECT_EQ(hello->name, "inferno-test-mcp");
  EXPECT_EQ(hello->version, "1.2.3");
  EXPECT_EQ(hello->protocol_version, "2025-11-25");
  EXPECT_TRUE(hello->has_tools);

  Result<std::vector<ToolInfo>> tools = c.ListTools();  // three pages
  ASSERT_TRUE(tools.ok()) << tools.status().message();
  std::vector<std::string> names;
  for (const ToolInfo& t : *tools) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"add", "echo", "fail", "filler_1", "filler_2",
                                             "filler_3", "filler_4"}));
  EXPECT_EQ(json::serialize((*tools)[0].parameters.at("required")), R"(["a","b"])");

  Result<ToolOutput> sum = c.CallTool("add", json::object{{"a", 2}, {"b", 3.5}});
  ASSERT_TRUE(sum.ok()) << sum.status().message();
  EXPECT_EQ(sum->text, "5.5");
  EXPECT_FALSE(sum->is_error);
  Result<ToolOutput> echo = c.CallTool("echo", json::object{{"text", "ünïcode \"quoted\"\n"}});
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->text, "ünïcode \"quoted\"\n");
  Result<ToolOutput> fail = c.CallTool("fail", {});
  ASSERT_TRUE(fail.ok());
  EXPECT_TRUE(fail->is_error);
  EXPECT_EQ(fail->text, "the fail tool failed, as it always does");
  Result<ToolOutput> unknown = c.CallTool("nope", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("Unknown tool: nope"), std::string::npos)
      << unknown.status().message();
}

TEST(McpClient, Stdio) {
  Client c = StdioClient(McpStdioCommand());
  ExpectTestServerWorks(c);
}

TEST(McpClient, StreamableHttpWithEventStreams) {
  McpHttpTestServer server;
  ASSERT_TRUE(server.ok());
  Client c = HttpClient(server.url());
  ExpectTestServerWorks(c);
}

TEST(McpClient, StreamableHttpWithJsonReplies) {
  McpHttpTestServer server({"--json"});
  ASSERT_TRUE(server.ok());
  Client c = HttpClient(server.url());
  ExpectTestServerWorks(c);
}

TEST(McpClient, HttpHeadersReachTheServer) {
  McpHttpTestServer server({"--key", "s3cret"});
  ASSERT_TRUE(server.ok());
  Client without = HttpClient(server.url());
  Result<ServerHello> refused = without.Initialize();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("answered HTTP 401 (check the server's headers"),
            std::string::npos)
      << refused.status().message();
  Client with = HttpClient(server.url(), {{"X-Api-Key", "s3cret"}});
  EXPECT_TRUE(with.Initialize().ok());
}

TEST(McpClient, HttpServerNotThere) {
  std::string url;
  {
    McpHttpTestServer server;
    ASSERT_TRUE(server.ok());
    url = server.url();
  }  // stopped: nothing listens there now
  Client c = HttpClient(url);
  Result<ServerHello> hello = c.Initialize();
  ASSERT_FALSE(hello.ok());
  EXPECT_NE(hello.status().message().find("MCP server " + url), std::string::npos)
      << hello.status().message();
  EXPECT_FALSE(NewHttpTransport({"file:///etc/passwd", {}}).ok());
  EXPECT_FALSE(NewHttpTransport({"http://x", {{"Bad Name", "v"}}}).ok());
}

TEST(McpClient, CommandNotFound) {
  Result<std::unique_ptr<Transport>> t = StartStdioTransport({"inferno-no-such-command-xyz", {}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("could not start 'inferno-no-such-command-xyz'"),
            std::string::npos);
}

TEST(McpClient, CommandThatDiesQuotesItsStderr) {
  Client c = StdioClient({"sh", "-c", "echo 'fatal: no config' >&2; exit 3"});
  Result<ServerHello> hello = c.Initialize();
  ASSERT_FALSE(hello.ok());
  EXPECT_NE(hello.status().message().find("MCP server 'sh' "), std::string::npos);
  EXPECT_NE(hello.status().message().find("its stderr ends with: fatal: no config"),
            std::string::npos)
      << hello.status().message();
}

TEST(McpClient, GarbageOnStdoutIsAnError) {
  Client c = StdioClient({"sh", "-c", "read line; echo 'Server listening on port 3000'; sleep 30"});
  Result<ServerHello> hello = c.Initialize();
  ASSERT_FALSE(hello.ok());
  EXPECT_NE(hello.status().message().find("not JSON: 'Server listening on port 3000'"),
            std::string::npos)
      << hello.status().message();
}

TEST(McpClient, SilentServerTimesOut) {
  Client c = StdioClient({"sleep", "30"}, /*timeout_ms=*/300);
  Result<ServerHello> hello = c.Initialize();
  ASSERT_FALSE(hello.ok());
  EXPECT_EQ(hello.status().code(), Status::Code::kCancelled);
  EXPECT_EQ(hello.status().message(), "MCP server 'sleep' did not answer in time");
}

TEST(McpClient, WrongReplyIdsAreSkippedAndBadResultsRefused) {
  // Answers request 1 first with another id, then with a result that is not an initialize one.
  Client c = StdioClient({"sh", "-c",
                          "read line; echo '{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}'; "
                          "echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":"
                          "\"1999-01-01\"}}'; sleep 30"});
  Result<ServerHello> hello = c.Initialize();
  ASSERT_FALSE(hello.ok());
  EXPECT_NE(hello.status().message().find("protocol version '1999-01-01'"), std::string::npos)
      << hello.status().message();
}

// The confirm dialog computes the same text (web/src/lib/tools.ts, commandLine, with the same
// cases in its tests): a start is confirmed by sending it back.
TEST(McpClient, CommandLinesAsTheConfirmDialogShowsThem) {
  EXPECT_EQ(CommandLine({"node", {"server.mjs", "--stdio"}}), "node server.mjs --stdio");
  EXPECT_EQ(CommandLine({"npx", {"-y", "@scope/pkg@1.2"}}), "npx -y @scope/pkg@1.2");
  EXPECT_EQ(CommandLine({"sh", {"-c", "echo 'hi' there", ""}}),
            R"(sh -c 'echo '\''hi'\'' there' '')");
}

}  // namespace
}  // namespace inferno::server::mcp
