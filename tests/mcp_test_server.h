// The MCP test server of tests/node/mcp_test_server.mjs (written with the official SDK), run
// by node for the C++ tests of the MCP client and the tool routes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace inferno::testing {

// The script's path and the argv that runs it over stdio.
std::string McpTestServerScript();
std::vector<std::string> McpStdioCommand();

// The server over streamable HTTP (`--http` plus `flags`) on a free port; killed when this
// goes.
class McpHttpTestServer {
 public:
  explicit McpHttpTestServer(const std::vector<std::string>& flags = {});
  ~McpHttpTestServer();
  bool ok() const { return port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace inferno::testing
