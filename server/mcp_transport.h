// The two ways Inferno's MCP client reaches a server (the MCP specification's transports):
// streamable HTTP (each JSON-RPC message POSTed; the reply is a JSON body or an SSE stream; the
// Mcp-Session-Id the server assigns is sent back) and stdio (a child process started from a
// command, newline-delimited JSON on its stdin and stdout, its stderr kept for error messages,
// killed with its process group when the transport goes). Both bound every wait by a deadline
// and every reply by a size, and never print the headers they send (they may hold keys).
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::server::mcp {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends a request and waits up to `timeout_ms` for the response with id `id`; requests the
  // server sends meanwhile are answered, notifications dropped.
  virtual Result<boost::json::value> Exchange(const std::string& request, int64_t id,
                                              int timeout_ms) = 0;
  virtual Status Notify(const std::string& notification, int timeout_ms) = 0;
  // Called once initialize has agreed on a version (HTTP sends it as MCP-Protocol-Version).
  virtual void SetProtocolVersion(const std::string&) {}
};

struct HttpEndpoint {
  std::string url;                             // http:// or https://
  std::map<std::string, std::string> headers;  // e.g. Authorization; never logged
};
// Only checks the URL's scheme here; the first Exchange connects.
Result<std::unique_ptr<Transport>> NewHttpTransport(HttpEndpoint endpoint);

struct Command {
  std::string program;  // looked up in PATH when it has no '/'
  std::vector<std::string> args;
};
// Starts the command as a child process in its own process group.
Result<std::unique_ptr<Transport>> StartStdioTransport(const Command& command);

// The command as a shell would show it, for the confirm dialog and errors ("node 'a b.mjs'").
std::string CommandLine(const Command& command);

}  // namespace inferno::server::mcp
