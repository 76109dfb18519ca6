// Anthropic's Messages API requests (POST /v1/messages and /v1/messages/count_tokens) read into
// a GenerateRequest. The body is translated into the chat shape that /v1/chat/completions
// takes (system and messages, tool_use blocks as tool_calls, tool_result blocks as "tool"
// messages, tools as function tools, tool_choice) and read by the request schema's own readers
// (engine/request/chat_messages.h, json_fields.h, structured_output.h), so every check and
// message is the one the other front ends give; only what is Anthropic's alone is checked here
// (block types, server tools, thinking). No I/O here.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/runtime/sequence.h"
#include "server/openai.h"

namespace inferno::server {

struct AnthropicParams {
  std::string model;
  bool stream = false;
};

// Reads {model, max_tokens, messages, system?, stop_sequences?, temperature?, top_p?, top_k?,
// tools?, tool_choice?, thinking?, output_config?, metadata?, stream?}. `count_only`: the
// count_tokens body, which has no max_tokens.
std::optional<ApiError> ParseAnthropicMessages(std::string_view body, bool count_only,
                                               GenerateRequest* req, AnthropicParams* params);

// The translation alone: the Anthropic body's conversation and tools as the chat shape
// (messages, tools, tool_choice, parallel_tool_calls), or the error naming the Anthropic field.
std::optional<ApiError> AnthropicToChat(const boost::json::object& body, boost::json::object* chat);

}  // namespace inferno::server
