// Anthropic's Messages API responses: engine events encoded as a Message object
// ({id "msg_...", type "message", role, content blocks, stop_reason, stop_sequence, usage}) and,
// streamed, as Anthropic's server-sent events (message_start, ping, content_block_start,
// content_block_delta with text_delta / thinking_delta / signature_delta / input_json_delta,
// content_block_stop, message_delta, message_stop; `event: error` on failure). Blocks come
// one after the other, each closed before the next opens, as Anthropic streams them: a thinking
// model's reasoning is a thinking block, the answer a text block, each tool call a tool_use
// block (id "toolu_...", input an object). Errors use Anthropic's shape
// {"type":"error","error":{"type","message"}}. No I/O here.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/events.h"
#include "server/forwarding_writer.h"

namespace inferno::server {

// Anthropic's error type for a status: invalid_request_error, authentication_error,
// permission_error, not_found_error, request_too_large, rate_limit_error, api_error (5xx),
// overloaded_error (503, 529).
const char* AnthropicErrorType(int status);
// {"type":"error","error":{"type","message"}}.
std::string AnthropicErrorJson(int status, std::string_view message);

// Whether a path is the Messages API's, whose errors are answered in Anthropic's shape.
bool IsAnthropicPath(std::string_view path);

// Rewrites the errors the shared code sends in OpenAI's shape ({"error":{"message",...}}:
// access checks, 404 for the model, 429 from admission) into Anthropic's, keeping the status
// and headers (Retry-After). Streams and successful responses pass through.
class AnthropicErrorWriter : public ForwardingWriter {
 public:
  using ForwardingWriter::ForwardingWriter;
  void Send(Response r) override;
};

// "msg_" and 24 random letters and digits, the shape of Anthropic's ids.
std::string NewMessageId();

// Anthropic's stop_reason for an engine kDone: end_turn, stop_sequence, tool_use, max_tokens.
const char* StopReason(const Event& done);

// One generation as a Message. Each event goes through Push(), which returns the SSE text to
// send when streaming ("" when the event completed nothing); the whole Message is Message().
class AnthropicEncoder {
 public:
  AnthropicEncoder(std::string id, std::string model)
      : id_(std::move(id)), model_(std::move(model)) {}

  // kPrompt: message_start (input_tokens from the prompt) and a ping; kToken: the deltas of
  // what it completed; kDone: the rest, the last block's stop, message_delta and message_stop.
  std::string Push(const Event& e);
  // The message as a non-streamed response returns it (after kDone).
  boost::json::object Message() const;
  // A failure mid-stream.
  static std::string ErrorEvent(std::string_view message);

 private:
  enum class Block { kNone, kThinking, kText, kToolUse };
  std::string Open(Block kind, boost::json::object block);
  std::string Close();
  std::string Delta(size_t index, boost::json::object delta);
  std::string AddText(Block kind, const std::string& text);
  std::string AddCalls(const std::vector<ToolCallDelta>& calls);
  std::string Finish(const Event& done);
  boost::json::object Usage() const;

  std::string id_;
  std::string model_;
  int input_tokens_ = 0;   // the whole prompt
  int cached_tokens_ = 0;  // of it, what the prompt cache held (known when the answer is done)
  int output_tokens_ = 0;
  std::string stop_reason_;
  std::string stop_sequence_;
  boost::json::array content_;  // the blocks so far; the last one is open unless open_ is kNone
  Block open_ = Block::kNone;
  std::vector<size_t> call_blocks_;      // tool call index -> its block's index
  std::vector<std::string> call_input_;  // tool call index -> its arguments so far (JSON text)
};

}  // namespace inferno::server
