// libFuzzer target for what an MCP server sends Inferno's client (server/mcp_protocol.h): the
// first byte picks how the rest is read: 'e' as a text/event-stream body, 'c' as a calculator
// expression (server/builtin_tools.h), anything else as one JSON-RPC message (a stdio line or
// a JSON body). Every message is then taken as the reply to request 1 and read as an
// initialize, tools/list and tools/call result, as the client would. Oracle besides the
// sanitizers: a reader never throws and never accepts a reply it then cannot describe.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/builtin_tools.h"
#include "server/mcp_protocol.h"

namespace {

namespace json = boost::json;
using namespace inferno;
using namespace inferno::server;

void ReadReply(const json::value& message) {
  (void)mcp::AnswerServerRequest(message);
  if (!mcp::IsResponseTo(message, 1)) return;
  Result<json::value> result = mcp::ResultOf(message);
  if (!result.ok()) {
    if (result.status().message().empty()) std::abort();
    return;
  }
  (void)mcp::ParseInitializeResult(*result);
  Result<mcp::ToolPage> page = mcp::ParseToolsList(*result);
  if (page.ok()) {
    for (const ToolInfo& t : page->tools) {
      if (t.name.empty()) std::abort();
    }
  }
  Result<ToolOutput> out = mcp::ParseCallResult(*result);
  if (out.ok() && out->content.empty() && !out->text.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'c') {
    Result<double> v = EvaluateArithmetic(rest);
    if (v.ok()) (void)FormatNumber(*v);
    return 0;
  }
  if (data[0] == 'e') {
    Result<std::vector<json::value>> messages = mcp::ParseEventStream(rest);
    if (messages.ok()) {
      for (const json::value& m : *messages) ReadReply(m);
    }
    return 0;
  }
  Result<json::value> m = mcp::ParseMessage(rest);
  if (m.ok()) ReadReply(*m);
  return 0;
}
