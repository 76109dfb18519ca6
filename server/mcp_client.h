// Inferno's MCP client (the Inferno server is the client, so a server's keys and processes stay
// out of the browser): initialize with version negotiation, notifications/initialized,
// tools/list over every page, tools/call. One client per connected server; calls on it are
// serialized by its transport.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "server/builtin_tools.h"
#include "server/mcp_protocol.h"
#include "server/mcp_transport.h"

namespace inferno::server::mcp {

class Client {
 public:
  // `timeout_ms` bounds each request's wait for its reply.
  Client(std::unique_ptr<Transport> transport, int timeout_ms);

  // The handshake; must come first.
  Result<ServerHello> Initialize();
  // Every tool, following nextCursor (at most 100 pages).
  Result<std::vector<ToolInfo>> ListTools();
  // A tool's result; a tool that failed (isError) is a result, not a Status.
  Result<ToolOutput> CallTool(const std::string& name, const boost::json::object& arguments);

 private:
  Result<boost::json::value> Call(std::string_view method, boost::json::object params);

  std::unique_ptr<Transport> transport_;
  const int timeout_ms_;
  std::atomic<int64_t> next_id_{1};
};

}  // namespace inferno::server::mcp
