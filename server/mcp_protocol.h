// The Model Context Protocol's messages as Inferno's MCP client writes and reads them, without
// any I/O: JSON-RPC 2.0 requests and notifications, the reply matching a request id (in a JSON
// body, an SSE stream or a line of a stdio stream), and the results of initialize, tools/list
// and tools/call. Everything a server sends is untrusted: any malformed reply is a Status
// naming what was wrong, never a crash (fuzz/mcp_reply_fuzz.cc).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"
#include "server/builtin_tools.h"

namespace inferno::server::mcp {

// The protocol revisions this client speaks, newest first; initialize offers the first.
inline constexpr const char* kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};

std::string Request(int64_t id, std::string_view method, boost::json::object params);
std::string Notification(std::string_view method);
// The reply to a request the server sent us (ping gets an empty result, others an error), or
// nullopt when `message` is not a request.
std::optional<std::string> AnswerServerRequest(const boost::json::value& message);

// The initialize request's params: the newest protocol version and this client's identity.
boost::json::object InitializeParams();

// One complete JSON-RPC message, or kInvalidArgument.
Result<boost::json::value> ParseMessage(std::string_view text);

// The JSON messages of a text/event-stream body: the `data:` lines of each event joined;
// events whose data is not JSON are an error.
Result<std::vector<boost::json::value>> ParseEventStream(std::string_view body);

// Whether `message` is the response to request `id` (a result or an error).
bool IsResponseTo(const boost::json::value& message, int64_t id);

// The `result` of a response, or the JSON-RPC error as a Status ("MCP error -32601: ...").
Result<boost::json::value> ResultOf(const boost::json::value& response);

struct ServerHello {
  std::string protocol_version;
  std::string name, version;  // serverInfo
  bool has_tools = false;
};
// Checks an initialize result: a protocol version this client speaks, serverInfo.
Result<ServerHello> ParseInitializeResult(const boost::json::value& result);

// One page of tools/list: the tools and the cursor of the next page (empty: last page).
struct ToolPage {
  std::vector<ToolInfo> tools;
  std::string next_cursor;
};
Result<ToolPage> ParseToolsList(const boost::json::value& result);

// A tools/call result: text blocks joined by newlines (other blocks named by their type),
// isError kept.
Result<ToolOutput> ParseCallResult(const boost::json::value& result);

}  // namespace inferno::server::mcp
