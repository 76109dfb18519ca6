// The MCP servers the user added in Settings → Tools (docs/tools.md): a streamable HTTP URL
// with its headers (which may hold keys: they leave the store only toward that server, never
// in a listing or a log), or a local command run over stdio. Adding one does not start it: the
// server runs a command only after the user enables it in the UI (server/tool_service.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"

namespace inferno::store {

struct McpServer {
  int64_t id = 0;
  std::string name;
  std::string transport;                       // "http" or "stdio"
  std::string url;                             // http
  std::map<std::string, std::string> headers;  // http
  std::string command;                         // stdio
  std::vector<std::string> args;               // stdio
  int64_t created_at = 0;
};

class McpServers {
 public:
  explicit McpServers(Database& db) : db_(db) {}

  // Oldest first.
  Result<std::vector<McpServer>> ListMcpServers();
  Result<McpServer> GetMcpServer(int64_t id);
  // Validates (name, transport and its fields, sizes); a duplicate name is kAlreadyExists.
  Result<McpServer> AddMcpServer(const McpServer& server);
  Status DeleteMcpServer(int64_t id);

 private:
  Database& db_;
};

}  // namespace inferno::store
