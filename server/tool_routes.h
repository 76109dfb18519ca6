// The tool routes under /api/tools (docs/tools.md): the tools the chat may offer (built-in and
// MCP), calling one, and the user's MCP servers (list, add, remove, connect = test, disconnect).
// Only JSON in and out here; ToolService does the work. Every POST must be a JSON request
// (Content-Type: application/json), which a cross-site page cannot send without a CORS
// preflight that the access policy refuses; a stdio server's command runs only when the
// request's confirm_command repeats it exactly as the UI's confirm dialog showed it.
#pragma once

#include "server/model_registry.h"
#include "server/router.h"
#include "server/tool_service.h"

namespace inferno::server {

// Adds the routes to a route table; `tools` and `registry` must outlive it. GET /api/tools?model=
// also says whether that model's chat template renders tools (request::TemplateWritesTools): the
// chat offers tools only to such models, so other models' prompts stay as they were.
void AddToolRoutes(Router& routes, ToolService& tools, ModelRegistry& registry);

// The JSON of a tool call's result, and of a server as the UI lists it (header names only:
// their values may be keys and never leave the server).
boost::json::object ToolOutputJson(const ToolOutput& out);
boost::json::object McpServerJson(const McpServerView& view);

}  // namespace inferno::server
