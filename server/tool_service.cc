#include "server/tool_service.h"

namespace inferno::server {

namespace json = boost::json;

ToolService::ToolService(store::McpServers& store, int timeout_ms)
    : store_(store), timeout_ms_(timeout_ms) {}

ToolService::~ToolService() {
  std::map<int64_t, Live> live;
  {
    MutexLock lock(&mu_);
    live.swap(live_);
  }
  // The clients (and their child processes) go here, outside the lock.
}

McpServerView ToolService::View(const store::McpServer& config) {
  McpServerView v;
  v.config = config;
  MutexLock lock(&mu_);
  auto it = live_.find(config.id);
  if (it == live_.end()) return v;
  v.error = it->second.error;
  v.status = it->second.client ? "connected" : "error";
  v.hello = it->second.hello;
  v.tools = it->second.tools;
  return v;
}

Result<std::vector<McpServerView>> ToolService::ListServers() {
  Result<std::vector<store::McpServer>> all = store_.ListMcpServers();
  if (!all.ok()) return all.status();
  std::vector<McpServerView> out;
  for (const store::McpServer& s : *all) out.push_back(View(s));
  return out;
}

Result<McpServerView> ToolService::Server(int64_t id) {
  Result<store::McpServer> s = store_.GetMcpServer(id);
  if (!s.ok()) return s.status();
  return View(*s);
}

Result<store::McpServer> ToolService::Add(const store::McpServer& server) {
  return store_.AddMcpServer(server);
}

Status ToolService::Remove(int64_t id) {
  INFERNO_RETURN_IF_ERROR(store_.DeleteMcpServer(id));
  Disconnect(id);
  return Status::Ok();
}

void ToolService::Disconnect(int64_t id) {
  Live gone;
  MutexLock lock(&mu_);
  auto it = live_.find(id);
  if (it == live_.end()) return;
  gone = std::move(it->second);  // destroyed after the lock is released (declared first)
  live_.erase(it);
}

Result<ToolService::Live> ToolService::Open(const store::McpServer& config) {
  Result<std::unique_ptr<mcp::Transport>> transport =
      config.transport == "stdio" ? mcp::StartStdioTransport({config.command, config.args})
                                  : mcp::NewHttpTransport({config.url, config.headers});
  if (!transport.ok()) return transport.status();
  Live live;
  live.client = std::make_shared<mcp::Client>(std::move(*transport), timeout_ms_);
  Result<mcp::ServerHello> hello = live.client->Initialize();
  if (!hello.ok()) return hello.status();
  live.hello = *hello;
  Result<std::vector<ToolInfo>> tools = live.client->ListTools();
  if (!tools.ok()) return tools.status();
  live.tools = std::move(*tools);
  return live;
}

Result<McpServerView> ToolService::Connect(int64_t id) {
  Result<store::McpServer> config = store_.GetMcpServer(id);
  if (!config.ok()) return config.status();
  Disconnect(id);  // a reconnect starts from a fresh process and session
  Result<Live> live = Open(*config);
  Live entry;
  if (live.ok()) {
    entry = std::move(*live);
  } else {
    entry.error = live.status().message();
  }
  {
    MutexLock lock(&mu_);
    live_[id] = std::move(entry);
  }
  if (!live.ok()) return live.status();
  return View(*config);
}

std::vector<ToolEntry> ToolService::Tools() {
  std::vector<ToolEntry> out;
  for (ToolInfo& t : BuiltinTools()) out.push_back({kBuiltinProvider, std::move(t)});
  Result<std::vector<McpServerView>> servers = ListServers();
  if (!servers.ok()) return out;
  for (const McpServerView& s : *servers) {
    for (const ToolInfo& t : s.tools) out.push_back({s.config.name, t});
  }
  return out;
}

Result<std::shared_ptr<mcp::Client>> ToolService::ClientFor(const std::string& server) {
  Result<std::vector<store::McpServer>> all = store_.ListMcpServers();
  if (!all.ok()) return all.status();
  for (const store::McpServer& s : *all) {
    if (s.name != server) continue;
    MutexLock lock(&mu_);
    auto it = live_.find(s.id);
    if (it == live_.end() || !it->second.client) {
      return Status::Cancelled("MCP server '" + server +
                               "' is not connected: enable it in Settings → Tools");
    }
    return it->second.client;
  }
  return Status::NotFound("no MCP server named '" + server.substr(0, 100) + "'");
}

}  // namespace inferno::server
