#include "server/mcp_protocol.h"

#include <boost/json.hpp>

#include "engine/util/utf8.h"
#include "engine/util/version.h"

namespace inferno::server::mcp {
namespace {

namespace json = boost::json;

// Text from a server ends up in error messages and the UI: keep it bounded, and valid UTF-8
// (a cut must not split a character: the JSON answers carry it).
std::string Clip(std::string_view s, size_t n = 300) {
  if (s.size() <= n) return std::string(s);
  std::string_view head = s.substr(0, n);
  head.remove_suffix(IncompleteUtf8Suffix(head));
  return std::string(head) + "...";
}

const json::object* ObjectField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

Result<ToolInfo> ParseTool(const json::value& v, size_t index) {
  const std::string where = "tools/list: tools[" + std::to_string(index) + "]";
  if (!v.is_object()) return Status::InvalidArgument(where + " is not an object");
  const json::object& o = v.as_object();
  ToolInfo t;
  t.name = StringField(o, "name");
  if (t.name.empty()) return Status::InvalidArgument(where + " has no name");
  t.description = StringField(o, "description");
  const json::object* schema = ObjectField(o, "inputSchema");
  if (schema == nullptr) {
    return Status::InvalidArgument(where + " ('" + Clip(t.name, 80) + "') has no inputSchema");
  }
  t.parameters = *schema;
  return t;
}

std::string DescribeBlock(const json::object& block) {
  const std::string type = StringField(block, "type");
  if (type == "text") return StringField(block, "text");
  if (type == "resource") {
    if (const json::object* r = ObjectField(block, "resource")) {
      const std::string text = StringField(*r, "text");
      if (!text.empty()) return text;
      return "[resource " + Clip(StringField(*r, "uri"), 200) + "]";
    }
  }
  if (type == "resource_link") return "[resource " + Clip(StringField(block, "uri"), 200) + "]";
  std::string out = "[";  // appended, not `"[" + ...`: GCC 12's false -Wrestrict warning
  out += Clip(type.empty() ? "unknown" : type, 40);
  return out + " content]";
}

}  // namespace

std::string Request(int64_t id, std::string_view method, json::object params) {
  return json::serialize(json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

std::string Notification(std::string_view method) {
  return json::serialize(json::object{{"jsonrpc", "2.0"}, {"method", method}});
}

std::optional<std::string> AnswerServerRequest(const json::value& message) {
  if (!message.is_object()) return std::nullopt;
  const json::object& o = message.as_object();
  const json::value* id = o.if_contains("id");
  if (id == nullptr || !o.contains("method")) return std::nullopt;
  json::object reply{{"jsonrpc", "2.0"}, {"id", *id}};
  if (StringField(o, "method") == "ping") {
    reply["result"] = json::object{};
  } else {
    reply["error"] = json::object{{"code", -32601}, {"message", "method not supported by Inferno"}};
  }
  return json::serialize(reply);
}

json::object InitializeParams() {
  return json::object{{"protocolVersion", kProtocolVersions[0]},
                      {"capabilities", json::object{}},
                      {"clientInfo", json::object{{"name", "inferno"}, {"version", kVersion}}}};
}

Result<json::value> ParseMessage(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Status::InvalidArgument("the MCP server sent something that is not JSON: '" +
                                   Clip(text, 120) + "' (" + ec.message() + ")");
  }
  if (!v.is_object() && !v.is_array()) {
    return Status::InvalidArgument("the MCP server sent JSON that is not a JSON-RPC message: " +
                                   Clip(json::serialize(v), 120));
  }
  return v;
}

Result<std::vector<json::value>> ParseEventStream(std::string_view body) {
  std::vector<json::value> out;
  std::string data;
  auto flush = [&]() -> Status {
    if (data.empty()) return Status::Ok();
    Result<json::value> v = ParseMessage(data);
    data.clear();
    if (!v.ok()) return v.status();
    out.push_back(std::move(*v));
    return Status::Ok();
  };
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) {
      INFERNO_RETURN_IF_ERROR(flush());
    } else if (line.rfind("data:", 0) == 0) {
      std::string_view d = line.substr(5);
      if (!d.empty() && d.front() == ' ') d.remove_prefix(1);
      if (!data.empty()) data += '\n';
      data += d;
    }  // event:, id:, retry: and comments carry nothing this client needs
  }
  INFERNO_RETURN_IF_ERROR(flush());
  return out;
}

bool IsResponseTo(const json::value& message, int64_t id) {
  if (!message.is_object()) return false;
  const json::object& o = message.as_object();
  const json::value* v = o.if_contains("id");
  if (v == nullptr || o.contains("method")) return false;
  return (v->is_int64() && v->as_int64() == id) ||
         (v->is_uint64() && int64_t(v->as_uint64()) == id);
}

Result<json::value> ResultOf(const json::value& response) {
  const json::object& o = response.as_object();
  if (const json::object* err = ObjectField(o, "error")) {
    const json::value* code = err->if_contains("code");
    std::string text = "MCP error";
    if (code != nullptr && code->is_int64()) {
      text += ' ';
      text += std::to_string(code->as_int64());
    }
    return Status::InvalidArgument(text + ": " + Clip(StringField(*err, "message")));
  }
  const json::value* result = o.if_contains("result");
  if (result == nullptr || !result->is_object()) {
    return Status::InvalidArgument(
        "the MCP server's response has neither a result object nor an "
        "error");
  }
  return *result;
}

Result<ServerHello> ParseInitializeResult(const json::value& result) {
  const json::object& o = result.as_object();
  ServerHello h;
  h.protocol_version = StringField(o, "protocolVersion");
  bool known = false;
  for (const char* v : kProtocolVersions) known = known || h.protocol_version == v;
  if (!known) {
    return Status::Unsupported("the MCP server speaks protocol version '" +
                               Clip(h.protocol_version, 40) +
                               "', which Inferno does not (it knows 2024-11-05 to 2025-11-25)");
  }
  if (const json::object* info = ObjectField(o, "serverInfo")) {
    h.name = Clip(StringField(*info, "name"), 100);
    h.version = Clip(StringField(*info, "version"), 40);
  }
  if (const json::object* caps = ObjectField(o, "capabilities")) {
    h.has_tools = caps->contains("tools");
  }
  return h;
}

Result<ToolPage> ParseToolsList(const json::value& result) {
  const json::object& o = result.as_object();
  const json::value* tools = o.if_contains("tools");
  if (tools == nullptr || !tools->is_array()) {
    return Status::InvalidArgument("tools/list: the result has no 'tools' array");
  }
  ToolPage page;
  for (size_t i = 0; i < tools->as_array().size(); ++i) {
    Result<ToolInfo> t = ParseTool(tools->as_array()[i], i);
    if (!t.ok()) return t.status();
    page.tools.push_back(std::move(*t));
  }
  page.next_cursor = StringField(o, "nextCursor");
  return page;
}

Result<ToolOutput> ParseCallResult(const json::value& result) {
  const json::object& o = result.as_object();
  const json::value* content = o.if_contains("content");
  if (content == nullptr || !content->is_array()) {
    return Status::InvalidArgument("tools/call: the result has no 'content' array");
  }
  ToolOutput out;
  out.content = content->as_array();
  for (const json::value& block : out.content) {
    if (!block.is_object())
      return Status::InvalidArgument(
          "tools/call: a content block is not "
          "an object");
    if (!out.text.empty()) out.text += '\n';
    out.text += DescribeBlock(block.as_object());
  }
  const json::value* is_error = o.if_contains("isError");
  out.is_error = is_error != nullptr && is_error->is_bool() && is_error->as_bool();
  return out;
}

}  // namespace inferno::server::mcp
