// The Responses API's request (/v1/responses) translated into the chat completion body that
// ParseCompletionRequest reads, so messages, tools, tool_choice, structured output and the
// sampling settings are checked by the one chat reader (engine/request) and not again here.
// This file checks only what is the Responses API's own: the input items, the flat function
// tools, text.format, reasoning, and the features this server cannot give (built-in tools,
// background, include values, image and file input, ...), each a 400 naming the field.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "server/openai.h"

namespace inferno::server {

struct ResponsesRequest {
  std::string model;
  bool stream = false;
  bool store = true;
  std::string previous_response_id;
  // This request's items: a string input as one user message item; item references as given
  // (the caller resolves them: ResolveItems).
  boost::json::array input;
  boost::json::object echo;  // the settings the response object repeats (ResponseHead::echo)
};

// Reads and checks the body's own fields into *out.
std::optional<ApiError> ReadResponsesRequest(const boost::json::object& body,
                                             ResponsesRequest* out);

// The chat completion body for `items` (the earlier responses' items, then this request's,
// references resolved) and the body's settings.
std::optional<ApiError> ToChatBody(const boost::json::object& body, const boost::json::array& items,
                                   boost::json::object* chat);

// A chat reader's error on the body ToChatBody made, named as the Responses request names
// the field (tools[0].function.name -> tools[0].name, response_format -> text.format, ...).
ApiError ResponsesParam(ApiError error);

}  // namespace inferno::server
