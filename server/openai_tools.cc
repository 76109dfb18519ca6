#include "server/openai_tools.h"

namespace inferno::server {

namespace json = boost::json;

json::array ToolCallDeltasJson(const std::vector<ToolCallDelta>& deltas) {
  json::array out;
  for (const ToolCallDelta& d : deltas) {
    json::object o{{"index", d.index}};
    json::object fn;
    if (!d.id.empty()) {
      o["id"] = d.id;
      o["type"] = "function";
      fn["name"] = d.name;
    }
    fn["arguments"] = d.arguments;
    o["function"] = std::move(fn);
    out.push_back(std::move(o));
  }
  return out;
}

json::array ToolCallsJson(const std::vector<ChatToolCall>& calls) {
  json::array out;
  for (const ChatToolCall& c : calls) {
    out.push_back(
        json::object{{"id", c.id},
                     {"type", "function"},
                     {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
  }
  return out;
}

}  // namespace inferno::server
