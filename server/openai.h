// The OpenAI-compatible API's wire format: request bodies of /v1/chat/completions and
// /v1/completions parsed and validated into a GenerateRequest, and engine events encoded
// as OpenAI's response objects and SSE chunks. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request/error.h"
#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"

namespace inferno::server {

struct ApiError {
  int status = 400;
  std::string message;
  std::string param;  // the offending field, "" if none
  std::string code;   // e.g. "model_not_found", "context_length_exceeded"
};

// {"error":{"message","type","param","code"}} as OpenAI sends it, the type following from the
// status (server/errors.h).
std::string ErrorBody(const ApiError& error);

struct CompletionParams {
  bool chat = true;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  bool logprobs = false;
  int top_logprobs = 0;  // 0..20
  bool max_tokens_given = false;
};

// OpenAI's error for a request-schema or Prepare() error: 400, the field as `param`, a prompt
// too long as code context_length_exceeded.
ApiError FromRequestError(const request::RequestError& error);

// Parses a request body. On success fills request (prompt or messages, sampling, stop,
// max_tokens, top_k_events) and params.
std::optional<ApiError> ParseCompletionRequest(std::string_view body, bool chat,
                                               GenerateRequest* request, CompletionParams* params);

// Accumulates one generation's output and renders it in OpenAI's shapes. A thinking model's
// reasoning (Event::reasoning) goes to message.reasoning_content / delta.reasoning_content, as
// llama.cpp's and vLLM's servers send it, and its tokens' logprobs to
// logprobs.reasoning_content, so logprobs.content holds exactly the answer's tokens. Tool calls
// (Event::tool_calls) go to message.tool_calls / delta.tool_calls (server/openai_tools.h).
class CompletionEncoder {
 public:
  CompletionEncoder(CompletionParams params, std::string model_id, std::string id, int64_t created);

  // SSE chunk payloads ("data: ...\n\n" framed) for a streamed response, in order.
  std::string FirstChunk() const;          // chat: the assistant role delta
  std::string TokenChunk(const Event& e);  // also records the token for the final object
  std::string FinalChunks(const Event& done, int prompt_tokens);  // finish+timings (+usage), [DONE]
  static std::string ErrorChunk(const ApiError& error);

  // Non-streamed: call Add() per token event, then Final().
  void Add(const Event& e);
  std::string Final(const Event& done, int prompt_tokens) const;

 private:
  std::string Chunk(const std::string& delta_text, const std::string& reasoning, const Event* token,
                    const char* finish, const Timings* timings = nullptr,
                    const std::vector<ToolCallDelta>* calls = nullptr) const;

  CompletionParams params_;
  std::string model_;
  std::string id_;
  int64_t created_;
  std::string text_;
  std::string reasoning_;                 // chat: the model's reasoning, apart from the answer
  std::vector<ChatToolCall> tool_calls_;  // chat: the calls so far (non-streamed)
  std::vector<Event> tokens_;             // kept only when logprobs are wanted
  int completion_tokens_ = 0;
};

// OpenAI's finish_reason for an engine finish reason.
const char* FinishReason(const std::string& engine_reason);

}  // namespace inferno::server
