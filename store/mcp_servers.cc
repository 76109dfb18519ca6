#include "store/mcp_servers.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "store/fields.h"
#include "store/limits.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace json = boost::json;

constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxArgs = 64;

Status ValidateHttp(const McpServer& s) {
  if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("url must start with http:// or https://");
  }
  INFERNO_RETURN_IF_ERROR(CheckText("url", s.url, kMaxUrl));
  if (!s.command.empty() || !s.args.empty()) {
    return Status::InvalidArgument("an http server has a url, not a command");
  }
  for (const auto& [name, value] : s.headers) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument("header '" + name.substr(0, 60) +
                                     "': names are tokens without ':' or spaces, values one line");
    }
    INFERNO_RETURN_IF_ERROR(CheckText("header value", value, kMaxUrl));
  }
  return Status::Ok();
}

Status ValidateStdio(const McpServer& s) {
  if (s.command.empty()) return Status::InvalidArgument("a stdio server needs a command");
  INFERNO_RETURN_IF_ERROR(CheckText("command", s.command, kMaxUrl));
  if (!s.url.empty() || !s.headers.empty()) {
    return Status::InvalidArgument("a stdio server has a command, not a url or headers");
  }
  if (s.args.size() > kMaxArgs) return Status::InvalidArgument("at most 64 args");
  for (const std::string& a : s.args) INFERNO_RETURN_IF_ERROR(CheckText("args", a, kMaxUrl));
  return Status::Ok();
}

Status Validate(const McpServer& s) {
  if (s.name.empty()) return Status::InvalidArgument("an MCP server needs a non-empty name");
  if (s.name == "inferno") {
    return Status::InvalidArgument("'inferno' names the built-in tools; choose another name");
  }
  INFERNO_RETURN_IF_ERROR(CheckText("name", s.name, Limits::kName));
  if (s.transport == "http") return ValidateHttp(s);
  if (s.transport == "stdio") return ValidateStdio(s);
  return Status::InvalidArgument("transport must be http or stdio");
}

McpServer Row(SQLite::Statement& q) {
  McpServer s;
  s.id = q.getColumn(0).getInt64();
  s.name = q.getColumn(1).getString();
  s.transport = q.getColumn(2).getString();
  s.url = q.getColumn(3).getString();
  for (const auto& [k, v] : ParseObject(q.getColumn(4).getString())) {
    if (v.is_string()) s.headers[std::string(k)] = std::string(v.as_string());
  }
  s.command = q.getColumn(5).getString();
  json::error_code ec;
  json::value args = json::parse(q.getColumn(6).getString(), ec);
  if (!ec && args.is_array()) {
    for (const json::value& a : args.as_array()) {
      if (a.is_string()) s.args.emplace_back(a.as_string());
    }
  }
  s.created_at = q.getColumn(7).getInt64();
  return s;
}

constexpr const char* kColumns =
    "SELECT id, name, transport, url, headers, command, args, created_at FROM mcp_servers ";

}  // namespace

Result<std::vector<McpServer>> McpServers::ListMcpServers() {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), std::string(kColumns) + "ORDER BY id");
    std::vector<McpServer> out;
    while (q.executeStep()) out.push_back(Row(q));
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("listing MCP servers", e);
  }
}

Result<McpServer> McpServers::GetMcpServer(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), std::string(kColumns) + "WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return Status::NotFound("no MCP server with id " + std::to_string(id));
    return Row(q);
  } catch (const std::exception& e) {
    return db_.Failed("reading an MCP server", e);
  }
}

Result<McpServer> McpServers::AddMcpServer(const McpServer& s) {
  INFERNO_RETURN_IF_ERROR(Validate(s));
  json::object headers;
  for (const auto& [k, v] : s.headers) headers[k] = v;
  json::array args(s.args.begin(), s.args.end());
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    McpServer out = s;
    out.created_at = NowMs();
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO mcp_servers (name, transport, url, headers, command, args, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, s.name);
    q.bind(2, s.transport);
    q.bind(3, s.url);
    q.bind(4, json::serialize(headers));
    q.bind(5, s.command);
    q.bind(6, json::serialize(args));
    q.bind(7, out.created_at);
    q.exec();
    out.id = db_.connection().getLastInsertRowid();
    return out;
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CONSTRAINT) {
      return Status::AlreadyExists("an MCP server named '" + s.name + "' already exists");
    }
    return db_.Failed("adding an MCP server", e);
  } catch (const std::exception& e) {
    return db_.Failed("adding an MCP server", e);
  }
}

Status McpServers::DeleteMcpServer(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM mcp_servers WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return Status::NotFound("no MCP server with id " + std::to_string(id));
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting an MCP server", e);
  }
}

}  // namespace inferno::store
