// Tool calls in OpenAI's response shapes: message.tool_calls of a chat completion, and
// delta.tool_calls of a streamed chunk (the first delta of a call with index, id, type and
// name; the later ones with index and the next fragment of the arguments), as OpenAI's own
// API streams them.
#pragma once

#include <boost/json.hpp>
#include <vector>

#include "engine/runtime/tool_calls.h"
#include "engine/tokenizer/chat_template.h"

namespace inferno::server {

boost::json::array ToolCallDeltasJson(const std::vector<ToolCallDelta>& deltas);
// [{id, type: "function", function: {name, arguments}}], the arguments a JSON string.
boost::json::array ToolCallsJson(const std::vector<ChatToolCall>& calls);

}  // namespace inferno::server
