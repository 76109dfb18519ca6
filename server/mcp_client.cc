#include "server/mcp_client.h"

#include <boost/json.hpp>

namespace inferno::server::mcp {

namespace json = boost::json;

Client::Client(std::unique_ptr<Transport> transport, int timeout_ms)
    : transport_(std::move(transport)), timeout_ms_(timeout_ms) {}

Result<json::value> Client::Call(std::string_view method, json::object params) {
  const int64_t id = next_id_++;
  Result<json::value> response =
      transport_->Exchange(Request(id, method, std::move(params)), id, timeout_ms_);
  if (!response.ok()) return response.status();
  Result<json::value> result = ResultOf(*response);
  // A JSON-RPC error reply (ResultOf), named by the request it answers.
  if (!result.ok())
    return Status::InvalidArgument(std::string(method) + ": " + result.status().message());
  return result;
}

Result<ServerHello> Client::Initialize() {
  Result<json::value> result = Call("initialize", InitializeParams());
  if (!result.ok()) return result.status();
  Result<ServerHello> hello = ParseInitializeResult(*result);
  if (!hello.ok()) return hello;
  transport_->SetProtocolVersion(hello->protocol_version);
  INFERNO_RETURN_IF_ERROR(
      transport_->Notify(Notification("notifications/initialized"), timeout_ms_));
  return hello;
}

Result<std::vector<ToolInfo>> Client::ListTools() {
  std::vector<ToolInfo> tools;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    json::object params;
    if (!cursor.empty()) params["cursor"] = cursor;
    Result<json::value> result = Call("tools/list", std::move(params));
    if (!result.ok()) return result.status();
    Result<ToolPage> p = ParseToolsList(*result);
    if (!p.ok()) return p.status();
    for (ToolInfo& t : p->tools) tools.push_back(std::move(t));
    if (p->next_cursor.empty()) return tools;
    if (p->next_cursor == cursor) {
      return Status::InvalidArgument("tools/list: the server repeated the cursor '" +
                                     cursor.substr(0, 60) + "'");
    }
    cursor = p->next_cursor;
  }
  return Status::OutOfRange("tools/list: more than 100 pages");
}

Result<ToolOutput> Client::CallTool(const std::string& name, const json::object& arguments) {
  Result<json::value> result =
      Call("tools/call", json::object{{"name", name}, {"arguments", arguments}});
  if (!result.ok()) return result.status();
  return ParseCallResult(*result);
}

}  // namespace inferno::server::mcp
