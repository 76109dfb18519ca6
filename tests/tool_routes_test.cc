// The tool routes (/api/tools, docs/tools.md) against the real binary: the built-in tools, MCP
// servers over both transports (the SDK's test server), the confirmation a command needs, keys
// that never come back out, nothing restarting by itself after a restart, and bad input.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "server/mcp_transport.h"
#include "tests/mcp_test_server.h"
#include "tests/server_process.h"
#include "tests/subprocess.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::McpHttpTestServer;
using testing::ParseJsonObject;
using testing::ServerProcess;

class ToolRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir("tool_routes",
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Start();
  }
  void Start() {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"-m", testing::FixtureModel(), "--data-dir", dir_.string()});
    ASSERT_TRUE(server_->ok());
  }
  HttpResponse Post(const std::string& target, const json::object& body) {
    return HttpRequest(server_->port(), "POST", target, json::serialize(body));
  }
  HttpResponse Get(const std::string& target) {
    return HttpRequest(server_->port(), "GET", target);
  }
  // Adds the SDK's server over stdio, confirmed as the UI does, and returns its id.
  int64_t AddStdio(const std::string& name) {
    const std::vector<std::string> argv = testing::McpStdioCommand();
    json::array args(argv.begin() + 1, argv.end());
    json::object body{{"name", name}, {"transport", "stdio"}, {"command", argv[0]}, {"args", args}};
    body["confirm_command"] =
        server::mcp::CommandLine({argv[0], std::vector<std::string>(argv.begin() + 1, argv.end())});
    HttpResponse r = Post("/api/tools/servers", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJsonObject(r.body).at("id").as_int64();
  }
  std::filesystem::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

// The processes whose parent is `pid` (from /proc/*/stat: "pid (comm) state ppid ...").
int ChildCount(pid_t pid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string stat = testing::ReadAll(e.path() / "stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    if (std::atoi(stat.c_str() + close + 4) == pid) ++n;
  }
  return n;
}

std::string Text(const HttpResponse& r) {
  json::object o = ParseJsonObject(r.body);
  return o.contains("text") ? std::string(o.at("text").as_string()) : "";
}

TEST_F(ToolRoutes, BuiltinToolsAreListedAndRun) {
  json::object tools = ParseJsonObject(Get("/api/tools").body);
  const json::array& data = tools.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("name").as_string(), "calculator");
  EXPECT_EQ(data[0].at("server").as_string(), "inferno");
  EXPECT_EQ(data[1].at("name").as_string(), "current_time");

  HttpResponse calc = Post("/api/tools/call", {{"server", "inferno"},
                                               {"tool", "calculator"},
                                               {"arguments", {{"expression", "12 * (3 + 4)"}}}});
  ASSERT_EQ(calc.status, 200) << calc.body;
  EXPECT_EQ(Text(calc), "84");
  EXPECT_FALSE(ParseJsonObject(calc.body).at("is_error").as_bool());
  // Arguments as a model writes them in tool_calls: a JSON text.
  HttpResponse zero = Post("/api/tools/call", {{"server", "inferno"},
                                               {"tool", "calculator"},
                                               {"arguments", "{\"expression\": \"1 / 0\"}"}});
  ASSERT_EQ(zero.status, 200);
  EXPECT_EQ(Text(zero), "error: division by zero");
  EXPECT_TRUE(ParseJsonObject(zero.body).at("is_error").as_bool());
  HttpResponse time = Post("/api/tools/call", {{"server", "inferno"}, {"tool", "current_time"}});
  EXPECT_NE(Text(time).find("time zone"), std::string::npos) << time.body;
}

TEST_F(ToolRoutes, SaysWhetherAModelsTemplateRendersTools) {
  // Qwen2.5's template writes the tools it is given; the fixture model has no template.
  const std::string qwen =
      testing::ReadAll(std::filesystem::path(INFERNO_SHARED_DIR) / "fixtures" / "templates" /
                       "jinja" / "Qwen-Qwen2.5-7B-Instruct.jinja");
  ASSERT_FALSE(qwen.empty());
  std::filesystem::create_directories(dir_ / "models");
  ASSERT_TRUE(testing::ToolModelWriter(qwen).WriteFile((dir_ / "models/tools.gguf").string()).ok());
  json::object with = ParseJsonObject(Get("/api/tools?model=tools").body);
  EXPECT_EQ(with.at("model").at("id").as_string(), "tools");
  EXPECT_TRUE(with.at("model").at("template_writes_tools").as_bool());
  json::object plain = ParseJsonObject(Get("/api/tools").body);  // the default model
  EXPECT_FALSE(plain.at("model").at("template_writes_tools").as_bool());
  EXPECT_TRUE(ParseJsonObject(Get("/api/tools?model=nope").body).at("model").is_null());
}

TEST_F(ToolRoutes, BadCalls) {
  EXPECT_EQ(Post("/api/tools/call", {{"server", "inferno"}, {"tool", "weather"}}).status, 404);
  EXPECT_EQ(Post("/api/tools/call", {{"server", "nobody"}, {"tool", "x"}}).status, 404);
  HttpResponse no_tool = Post("/api/tools/call", {{"server", "inferno"}});
  EXPECT_EQ(no_tool.status, 400);
  EXPECT_EQ(ErrorField(no_tool, "param"), "tool");
  HttpResponse text = HttpRequest(server_->port(), "POST", "/api/tools/call",
                                  R"({"server":"inferno","tool":"current_time"})",
                                  {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415);  // a simple request, which any page could send: refused
  EXPECT_EQ(HttpRequest(server_->port(), "POST", "/api/tools/call", "[1]").status, 400);
}

TEST_F(ToolRoutes, StdioServerNeedsTheExactCommandConfirmed) {
  json::object body{{"name", "local"},
                    {"transport", "stdio"},
                    {"command", "node"},
                    {"args", json::array{"server.mjs", "--flag"}}};
  HttpResponse missing = Post("/api/tools/servers", body);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(ErrorField(missing, "code"), "confirmation_required");
  body["confirm_command"] = "node server.mjs";
  EXPECT_EQ(Post("/api/tools/servers", body).status, 403);
  body["confirm_command"] = "node server.mjs --flag";
  HttpResponse added = Post("/api/tools/servers", body);
  ASSERT_EQ(added.status, 201) << added.body;
  json::object s = ParseJsonObject(added.body);
  EXPECT_EQ(s.at("status").as_string(), "stopped");  // added, not started
  EXPECT_EQ(ChildCount(server_->pid()), 0);
  EXPECT_EQ(s.at("command_line").as_string(), "node server.mjs --flag");
  const std::string id = std::to_string(s.at("id").as_int64());
  EXPECT_EQ(Post("/api/tools/servers/" + id + "/connect", json::object{}).status, 403);
  EXPECT_EQ(Post("/api/tools/servers", body).status, 409);  // the name is taken
}

TEST_F(ToolRoutes, StdioServerToolsRunAndStopWithRemoval) {
  const int64_t id = AddStdio("sdk");
  const std::string base = "/api/tools/servers/" + std::to_string(id);
  const std::vector<std::string> argv = testing::McpStdioCommand();
  const std::string line =
      server::mcp::CommandLine({argv[0], std::vector<std::string>(argv.begin() + 1, argv.end())});
  HttpResponse connected = Post(base + "/connect", {{"confirm_command", line}});
  ASSERT_EQ(connected.status, 200) << connected.body;
  EXPECT_EQ(ChildCount(server_->pid()), 1);  // the MCP server, started on confirmation
  json::object s = ParseJsonObject(connected.body);
  EXPECT_EQ(s.at("status").as_string(), "connected");
  EXPECT_EQ(s.at("server_info").at("name").as_string(), "inferno-test-mcp");
  EXPECT_EQ(s.at("tools").as_array().size(), 7u);

  json::object tools = ParseJsonObject(Get("/api/tools").body);
  ASSERT_EQ(tools.at("data").as_array().size(), 9u);
  EXPECT_EQ(tools.at("data").as_array()[2].at("server").as_string(), "sdk");
  EXPECT_EQ(tools.at("data").as_array()[2].at("name").as_string(), "add");

  HttpResponse sum =
      Post("/api/tools/call",
           {{"server", "sdk"}, {"tool", "add"}, {"arguments", {{"a", 40}, {"b", 2}}}});
  ASSERT_EQ(sum.status, 200) << sum.body;
  EXPECT_EQ(Text(sum), "42");
  HttpResponse fail = Post("/api/tools/call", {{"server", "sdk"}, {"tool", "fail"}});
  EXPECT_TRUE(ParseJsonObject(fail.body).at("is_error").as_bool());
  HttpResponse unknown = Post("/api/tools/call", {{"server", "sdk"}, {"tool", "nope"}});
  EXPECT_EQ(unknown.status, 502);
  EXPECT_NE(ErrorField(unknown, "message").find("Unknown tool: nope"), std::string::npos);

  EXPECT_EQ(HttpRequest(server_->port(), "DELETE", base).status, 204);
  EXPECT_EQ(ChildCount(server_->pid()), 0);  // stopped and reaped before the answer
  EXPECT_EQ(HttpRequest(server_->port(), "DELETE", base).status, 404);
  EXPECT_EQ(Post("/api/tools/call", {{"server", "sdk"}, {"tool", "add"}}).status, 404);
  EXPECT_EQ(ParseJsonObject(Get("/api/tools").body).at("data").as_array().size(), 2u);
}

TEST_F(ToolRoutes, HttpServerKeysNeverComeBackAndNothingRestartsByItself) {
  McpHttpTestServer mcp({"--key", "k-123-secret"});
  ASSERT_TRUE(mcp.ok());
  HttpResponse added = Post("/api/tools/servers", {{"name", "remote"},
                                                   {"transport", "http"},
                                                   {"url", mcp.url()},
                                                   {"headers", {{"X-Api-Key", "k-123-secret"}}}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.body.find("k-123-secret"), std::string::npos);
  const std::string base =
      "/api/tools/servers/" + std::to_string(ParseJsonObject(added.body).at("id").as_int64());
  HttpResponse connected = Post(base + "/connect", json::object{});
  ASSERT_EQ(connected.status, 200) << connected.body;
  EXPECT_EQ(Text(Post("/api/tools/call",
                      {{"server", "remote"}, {"tool", "echo"}, {"arguments", {{"text", "hi"}}}})),
            "hi");
  HttpResponse list = Get("/api/tools/servers");
  EXPECT_EQ(list.body.find("k-123-secret"), std::string::npos);
  EXPECT_EQ(ParseJsonObject(list.body)
                .at("data")
                .as_array()[0]
                .at("header_names")
                .as_array()[0]
                .as_string(),
            "X-Api-Key");

  // After a restart the server is listed, stopped, until the user enables it again.
  server_.reset();
  Start();
  json::object after = ParseJsonObject(Get("/api/tools/servers").body);
  EXPECT_EQ(after.at("data").as_array()[0].at("status").as_string(), "stopped");
  HttpResponse stopped = Post("/api/tools/call", {{"server", "remote"}, {"tool", "echo"}});
  EXPECT_EQ(stopped.status, 409);
  EXPECT_EQ(ErrorField(stopped, "code"), "not_connected");
  EXPECT_EQ(Post(base + "/connect", json::object{}).status, 200);
}

TEST_F(ToolRoutes, ConnectFailuresAreKept) {
  HttpResponse added =
      Post("/api/tools/servers",
           {{"name", "gone"}, {"transport", "http"}, {"url", "http://127.0.0.1:9/mcp"}});
  ASSERT_EQ(added.status, 201);
  const std::string base =
      "/api/tools/servers/" + std::to_string(ParseJsonObject(added.body).at("id").as_int64());
  HttpResponse failed = Post(base + "/connect", json::object{});
  EXPECT_EQ(failed.status, 502);
  EXPECT_EQ(ErrorField(failed, "code"), "mcp_error");
  json::object listed = ParseJsonObject(Get("/api/tools/servers").body);
  EXPECT_EQ(listed.at("data").as_array()[0].at("status").as_string(), "error");
  EXPECT_NE(listed.at("data").as_array()[0].at("error").as_string().find("127.0.0.1:9"),
            std::string::npos);
  EXPECT_EQ(Post("/api/tools/servers", {{"name", "x"}, {"transport", "ftp"}}).status, 400);
  EXPECT_EQ(
      Post("/api/tools/servers", {{"name", "inferno"}, {"transport", "http"}, {"url", "http://a"}})
          .status,
      400);
  EXPECT_EQ(Post("/api/tools/servers", {{"name", "y"}, {"transport", "http"}, {"url", "file:///x"}})
                .status,
            400);
  EXPECT_EQ(Post("/api/tools/servers/abc/connect", json::object{}).status, 404);
}

TEST_F(ToolRoutes, ForeignPagesCannotAddCommands) {
  HttpResponse r = HttpRequest(
      server_->port(), "POST", "/api/tools/servers",
      R"({"name":"evil","transport":"stdio","command":"sh","args":["-c","id"],"confirm_command":"sh -c id"})",
      {{"Origin", "http://evil.example"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ParseJsonObject(Get("/api/tools/servers").body).at("data").as_array().size(), 0u);
}

}  // namespace
}  // namespace inferno
