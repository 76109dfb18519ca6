#include "server/tool_routes.h"

#include <boost/json.hpp>

#include "engine/gguf/gguf_file.h"
#include "engine/request/tool_calls.h"
#include "server/route_responses.h"
#include "store/store_json.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// A request's failure: a server not connected in this session, else as the store's.
Response ToolError(const Status& st) {
  if (st.code() == Status::Code::kCancelled)
    return ErrorResponse(409, st.message(), "not_connected");
  return StoreErrorResponse(st);
}

// Failures talking to an MCP server are the upstream's, not the request's: 502 with its text.
Response McpError(const Status& st) { return ErrorResponse(502, st.message(), "mcp_error"); }

Response ToolReply(const std::string& server, const std::string& tool, const ToolOutput& out) {
  json::object reply = ToolOutputJson(out);
  reply["server"] = server;
  reply["tool"] = tool;
  return JsonResponse(200, reply);
}

// Runs the tool: a built-in one, or one of a connected MCP server's.
Response RunTool(ToolService& tools, const std::string& server, const std::string& tool,
                 const json::object& arguments) {
  if (server == kBuiltinProvider) {
    Result<ToolOutput> out = CallBuiltinTool(tool, arguments);
    return out.ok() ? ToolReply(server, tool, *out) : ToolError(out.status());
  }
  Result<std::shared_ptr<mcp::Client>> client = tools.ClientFor(server);
  if (!client.ok()) return ToolError(client.status());
  Result<ToolOutput> out = (*client)->CallTool(tool, arguments);
  return out.ok() ? ToolReply(server, tool, *out) : McpError(out.status());
}

json::object ToolJson(const ToolEntry& t) {
  return json::object{{"server", t.server},
                      {"provider", t.server},
                      {"name", t.info.name},
                      {"description", t.info.description},
                      {"parameters", t.info.parameters}};
}

std::optional<Response> StringField(const json::object& o, const char* key, std::string* out,
                                    bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr && !required) return std::nullopt;
  if (v == nullptr || !v->is_string()) {
    return ErrorResponse(400, std::string(key) + " must be a string", "invalid_type", key);
  }
  *out = std::string(v->as_string());
  return std::nullopt;
}

Response Call(ToolService& tools, const Request& r) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return *bad;
  std::string server, tool;
  if (auto bad = StringField(body, "server", &server, true)) return *bad;
  if (auto bad = StringField(body, "tool", &tool, true)) return *bad;
  json::object arguments;
  if (const json::value* a = body.if_contains("arguments")) {
    if (a->is_string()) {  // as a model writes them in tool_calls: a JSON text
      json::error_code ec;
      json::value parsed = json::parse(a->as_string(), ec);
      if (ec || !parsed.is_object()) {
        return ErrorResponse(400, "arguments is not a JSON object", "invalid_value", "arguments");
      }
      arguments = parsed.as_object();
    } else if (a->is_object()) {
      arguments = a->as_object();
    } else {
      return ErrorResponse(400, "arguments must be an object", "invalid_type", "arguments");
    }
  }
  return RunTool(tools, server, tool, arguments);
}

Result<store::McpServer> ParseServer(const json::object& o) {
  store::McpServer s;
  auto str = [&](const char* key, std::string* out) -> Status {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_string()) return Status::InvalidArgument(std::string(key) + " must be a string");
    *out = std::string(v->as_string());
    return Status::Ok();
  };
  INFERNO_RETURN_IF_ERROR(str("name", &s.name));
  INFERNO_RETURN_IF_ERROR(str("transport", &s.transport));
  INFERNO_RETURN_IF_ERROR(str("url", &s.url));
  INFERNO_RETURN_IF_ERROR(str("command", &s.command));
  if (const json::value* h = o.if_contains("headers")) {
    if (!h->is_object()) return Status::InvalidArgument("headers must be an object of strings");
    for (const auto& [k, v] : h->as_object()) {
      if (!v.is_string()) return Status::InvalidArgument("headers must be an object of strings");
      s.headers[std::string(k)] = std::string(v.as_string());
    }
  }
  if (const json::value* a = o.if_contains("args")) {
    if (!a->is_array()) return Status::InvalidArgument("args must be an array of strings");
    for (const json::value& v : a->as_array()) {
      if (!v.is_string()) return Status::InvalidArgument("args must be an array of strings");
      s.args.emplace_back(v.as_string());
    }
  }
  return s;
}

// The explicit confirmation a command needs: the UI's dialog showed this exact line.
std::optional<Response> CheckConfirmed(const json::object& body, const store::McpServer& s) {
  if (s.transport != "stdio") return std::nullopt;
  const std::string line = mcp::CommandLine({s.command, s.args});
  const json::value* c = body.if_contains("confirm_command");
  if (c != nullptr && c->is_string() && c->as_string() == line) return std::nullopt;
  return ErrorResponse(403,
                       "running a command needs the user's confirmation: send confirm_command "
                       "equal to the command line shown to the user (" +
                           line + ")",
                       "confirmation_required", "confirm_command");
}

Response Add(ToolService& tools, const Request& r) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return *bad;
  Result<store::McpServer> s = ParseServer(body);
  if (!s.ok()) return ToolError(s.status());
  if (auto refused = CheckConfirmed(body, *s)) return *refused;
  Result<store::McpServer> added = tools.Add(*s);
  if (!added.ok()) return ToolError(added.status());
  McpServerView view;
  view.config = *added;
  return JsonResponse(201, McpServerJson(view));
}

Response Connect(ToolService& tools, const Request& r, int64_t id) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return *bad;
  Result<McpServerView> view = tools.Server(id);
  if (!view.ok()) return ToolError(view.status());
  if (auto refused = CheckConfirmed(body, view->config)) return *refused;
  Result<McpServerView> connected = tools.Connect(id);
  if (!connected.ok()) return McpError(connected.status());
  return JsonResponse(200, McpServerJson(*connected));
}

// {"id", "template_writes_tools"} of the model `id` (empty: the default), read from its file's
// metadata without loading it; null for an unknown or unreadable model.
json::value ModelToolSupport(ModelRegistry& registry, std::string id) {
  if (id.empty()) id = registry.default_id();
  for (const ModelInfo& m : registry.List()) {
    if (m.id != id || !m.error.empty()) continue;
    Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(m.path);
    if (!file.ok()) return nullptr;
    Result<std::string> tmpl = (*file)->GetStringOr("tokenizer.chat_template", "");
    return json::object{
        {"id", m.id}, {"template_writes_tools", tmpl.ok() && request::TemplateWritesTools(*tmpl)}};
  }
  return nullptr;
}

Response ListTools(ToolService& tools, ModelRegistry& registry, const Request& r) {
  json::array data;
  for (const ToolEntry& t : tools.Tools()) data.push_back(ToolJson(t));
  auto model = r.query.find("model");
  return JsonResponse(
      200, json::object{
               {"object", "list"},
               {"data", data},
               {"model", ModelToolSupport(registry, model == r.query.end() ? "" : model->second)}});
}

std::optional<int64_t> Id(const PathParams& p) { return store::ParseId(p.at("id")); }

Response NoSuchServer(const PathParams& p) {
  return ErrorResponse(404, "no MCP server with id '" + p.at("id").substr(0, 40) + "'",
                       "not_found");
}

}  // namespace

json::object ToolOutputJson(const ToolOutput& out) {
  return json::object{{"text", out.text}, {"is_error", out.is_error}, {"content", out.content}};
}

json::object McpServerJson(const McpServerView& v) {
  const store::McpServer& c = v.config;
  json::array header_names, args(c.args.begin(), c.args.end()), tools;
  for (const auto& [name, value] : c.headers) header_names.emplace_back(name);
  for (const ToolInfo& t : v.tools) {
    tools.push_back(json::object{
        {"name", t.name}, {"description", t.description}, {"parameters", t.parameters}});
  }
  json::object o{{"id", c.id},
                 {"name", c.name},
                 {"transport", c.transport},
                 {"url", c.url},
                 {"header_names", header_names},
                 {"command", c.command},
                 {"args", args},
                 {"created_at", c.created_at},
                 {"status", v.status},
                 {"error", v.error},
                 {"tools", tools}};
  if (c.transport == "stdio") o["command_line"] = mcp::CommandLine({c.command, c.args});
  if (v.status == "connected") {
    o["server_info"] = json::object{{"name", v.hello.name}, {"version", v.hello.version}};
    o["protocol_version"] = v.hello.protocol_version;
  }
  return o;
}

void AddToolRoutes(Router& routes, ToolService& tools, ModelRegistry& registry) {
  routes.AddReply("GET", "/api/tools", [&tools, &registry](const Request& r, const PathParams&) {
    return ListTools(tools, registry, r);
  });
  routes.AddReply("POST", "/api/tools/call",
                  [&tools](const Request& r, const PathParams&) { return Call(tools, r); });
  routes.AddReply("GET", "/api/tools/servers", [&tools](const Request&, const PathParams&) {
    Result<std::vector<McpServerView>> all = tools.ListServers();
    if (!all.ok()) return ToolError(all.status());
    json::array data;
    for (const McpServerView& v : *all) data.push_back(McpServerJson(v));
    return JsonResponse(200, json::object{{"object", "list"}, {"data", data}});
  });
  routes.AddReply("POST", "/api/tools/servers",
                  [&tools](const Request& r, const PathParams&) { return Add(tools, r); });
  routes.AddReply("DELETE", "/api/tools/servers/{id}",
                  [&tools](const Request&, const PathParams& p) {
                    std::optional<int64_t> id = Id(p);
                    if (!id) return NoSuchServer(p);
                    if (Status st = tools.Remove(*id); !st.ok()) return ToolError(st);
                    return Response{204, "application/json", {}, ""};
                  });
  routes.AddReply("POST", "/api/tools/servers/{id}/connect",
                  [&tools](const Request& r, const PathParams& p) {
                    std::optional<int64_t> id = Id(p);
                    return id ? Connect(tools, r, *id) : NoSuchServer(p);
                  });
  routes.AddReply("POST", "/api/tools/servers/{id}/disconnect",
                  [&tools](const Request& r, const PathParams& p) {
                    json::object body;
                    if (auto bad = JsonBody(r, &body)) return *bad;
                    std::optional<int64_t> id = Id(p);
                    if (!id) return NoSuchServer(p);
                    tools.Disconnect(*id);
                    Result<McpServerView> view = tools.Server(*id);
                    if (!view.ok()) return ToolError(view.status());
                    return JsonResponse(200, McpServerJson(*view));
                  });
}

}  // namespace inferno::server
