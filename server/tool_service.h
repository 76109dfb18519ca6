// The tools the chat can offer a model: the built-in ones (provider "inferno") and those of the
// user's MCP servers (store/mcp_servers.h), with one live MCP client per connected server.
//
// The safety rule (docs/tools.md): nothing connects or starts by itself. A server stored in an
// earlier session stays stopped until the user enables it in this one (Connect); a stdio
// server's command runs only when the request carries the exact command line the UI showed in
// its confirm dialog (checked by the routes). Removing a server or destroying the service stops
// its process.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/util/thread_annotations.h"
#include "server/builtin_tools.h"
#include "server/mcp_client.h"
#include "store/mcp_servers.h"

namespace inferno::server {

inline constexpr const char* kBuiltinProvider = "inferno";

// A stored server with what this session knows of it.
struct McpServerView {
  store::McpServer config;
  std::string status = "stopped";  // stopped, connected or error
  std::string error;
  mcp::ServerHello hello;
  std::vector<ToolInfo> tools;
};

// One tool as the chat sees it; `server` is what a call names ("inferno" or the server's name).
struct ToolEntry {
  std::string server;
  ToolInfo info;
};

class ToolService {
 public:
  // `timeout_ms` bounds each MCP request.
  explicit ToolService(store::McpServers& store, int timeout_ms = 30000);
  ~ToolService();

  Result<std::vector<McpServerView>> ListServers();
  Result<McpServerView> Server(int64_t id);
  Result<store::McpServer> Add(const store::McpServer& server);
  // Stops the server's process, if any, and forgets it.
  Status Remove(int64_t id);
  // Starts (stdio) or reaches (http) the server, initializes and lists its tools. A failure is
  // kept in the view (status "error") and returned.
  Result<McpServerView> Connect(int64_t id);
  void Disconnect(int64_t id);

  // The built-in tools, then each connected server's.
  std::vector<ToolEntry> Tools();
  // The live client of the MCP server named `server`: kNotFound for no such server,
  // kCancelled when it is not connected in this session.
  Result<std::shared_ptr<mcp::Client>> ClientFor(const std::string& server);

 private:
  struct Live {
    std::shared_ptr<mcp::Client> client;
    mcp::ServerHello hello;
    std::vector<ToolInfo> tools;
    std::string error;
  };
  McpServerView View(const store::McpServer& config) EXCLUDES(mu_);
  Result<Live> Open(const store::McpServer& config);

  store::McpServers& store_;
  const int timeout_ms_;
  Mutex mu_;
  std::map<int64_t, Live> live_ GUARDED_BY(mu_);  // servers connected, or failed, this session
};

}  // namespace inferno::server
