// The request schema's chat part, for every front end that takes OpenAI-shaped messages
// (/v1/chat/completions, Ollama's /api/chat): the messages themselves, with tool calls and
// tool results, and the tools offered with the client's tool_choice. Each wire's small
// differences are accepted by all (a call's arguments as JSON text, OpenAI's, or as an object,
// Ollama's; a tool result's function as `name` or Ollama's `tool_name`), so the checks and the
// messages are the same everywhere.
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "engine/request/error.h"
#include "engine/runtime/sequence.h"

namespace inferno::request {

// `messages`: a non-empty array of {role, content, tool_calls?, tool_call_id?, name?, images?}
// into req->messages. Content is a string, text and image_url parts, or null (an assistant's
// with tool_calls); an image becomes the media marker (engine/vision/media_prompt.h) where it
// stood, Ollama's `images` (base64) before the message's text. Images are
// appended to req->images in order (engine/request/image_input.h reads them in Prepare()).
// A tool result without a name gets the name of the call it answers, which templates such as
// Gemma's and gpt-oss's write.
std::optional<RequestError> ReadChatMessages(const boost::json::object& body, GenerateRequest* req);

// The `images` of object `o` (Ollama's messages and /api/generate, /chat, the WS run): base64
// strings or URLs into `images` (ImageRef), their media markers put before `content`. `field`
// names the member in errors.
std::optional<RequestError> ReadMessageImages(const boost::json::object& o,
                                              const std::string& field, std::string* content,
                                              std::vector<std::string>* images);

// `tools` (function tools: name, description, parameters as a JSON schema), `tool_choice`
// ("none", "auto", "required" or {"type":"function","function":{"name"}}) and
// `parallel_tool_calls`.
std::optional<RequestError> ReadTools(const boost::json::object& body, GenerateRequest* req);

}  // namespace inferno::request
