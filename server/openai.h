// The OpenAI-compatible API's wire format: request bodies of /v1/chat/completions and
// /v1/completions parsed and validated into a GenerateRequest, and engine events encoded
// as OpenAI's response objects and SSE chunks. No I/O here.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request/error.h"
#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"
#include "server/openai_echo.h"
#include "server/output_tokens.h"

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
  int n = 1;  // choices: sequences sampled from the one prompt (GenerateRequest::n)
  // Legacy completions' echo: the prompt text put before each choice's text (with logprobs,
  // the prompt's tokens before its tokens: CompletionEncoder::PromptChunks).
  bool echo = false;
  std::string echo_text;
};

// OpenAI's error for a request-schema or Prepare() error: 400, the field as `param`, a prompt
// too long as code context_length_exceeded.
ApiError FromRequestError(const request::RequestError& error);

// The request body as a JSON object, or the 400 that says why it is not one (for every JSON
// front end: OpenAI's, Ollama's, Anthropic's).
std::optional<ApiError> ParseBodyObject(std::string_view body, boost::json::value* root);
// `model` (a string) and `stream` (a boolean) of a body; absent or null leave them as they are.
std::optional<ApiError> ReadModelAndStream(const boost::json::object& o, std::string* model,
                                           bool* stream);

// Parses a request body. On success fills request (prompt or messages, sampling, stop,
// max_tokens, top_k_events) and params.
std::optional<ApiError> ParseCompletionRequest(std::string_view body, bool chat,
                                               GenerateRequest* request, CompletionParams* params);
// The same for a body already parsed (the Responses API's translated request).
std::optional<ApiError> ParseCompletionRequest(const boost::json::object& body, bool chat,
                                               GenerateRequest* request, CompletionParams* params);

// Accumulates one generation's output and renders it in OpenAI's shapes. A thinking model's
// reasoning (Event::reasoning) goes to message.reasoning_content / delta.reasoning_content, as
// llama.cpp's and vLLM's servers send it, and its tokens' logprobs to
// logprobs.reasoning_content, so logprobs.content holds exactly the answer's tokens
// (server/output_tokens.h). Tool calls (Event::tool_calls) go to message.tool_calls /
// delta.tool_calls (server/openai_tools.h). With n > 1 the events of the n sequences
// (Event::choice) arrive interleaved; each is choice `index` of the response and of its chunks.
class CompletionEncoder {
 public:
  CompletionEncoder(CompletionParams params, std::string model_id, std::string id, int64_t created);

  // SSE chunk payloads ("data: ...\n\n" framed) for a streamed response, in order.
  // Chat: the assistant role delta of each choice; legacy echo without logprobs: the prompt.
  std::string FirstChunk();
  // The kPromptScores event's tokens for a legacy echo with logprobs: kept for the response and,
  // streamed, sent as each choice's first chunk (the prompt's text and logprobs).
  std::string PromptChunks(std::vector<EchoToken> tokens);
  std::string TokenChunk(const Event& e);  // "" when the token releases nothing yet
  // A choice's kDone: its held-back text and finish chunk (with timings); after the last
  // choice's, the usage chunk (include_usage) and [DONE].
  std::string FinalChunks(const Event& done, int prompt_tokens);
  static std::string ErrorChunk(const ApiError& error);

  // Non-streamed: call Add() per token event, then Final() per kDone: the response body once
  // every choice is done, "" before.
  void Add(const Event& e);
  std::string Final(const Event& done, int prompt_tokens);

 private:
  struct Choice {
    std::string text;
    std::string reasoning;                 // chat: the model's reasoning, apart from the answer
    std::vector<ChatToolCall> tool_calls;  // chat: the calls so far (non-streamed)
    std::vector<Event> tokens;  // listed in logprobs (kept only when logprobs are wanted)
    OutputTokens output;        // which tokens belong to the returned text
    bool finished = false;
    Event done;         // its kDone
    size_t offset = 0;  // streamed legacy logprobs: bytes of the tokens listed so far
  };
  Choice& ChoiceOf(const Event& e);
  // Records a choice's kDone; returns its held tokens whose text the end released.
  std::vector<Event> EndChoice(const Event& done);
  bool AllDone() const;
  boost::json::object Usage(int prompt_tokens) const;
  boost::json::object ChunkObject(boost::json::array choices) const;
  boost::json::object ChoiceObject(const Choice& c, int index) const;
  std::string Chunk(int index, const std::string& delta_text, const std::string& reasoning,
                    const std::vector<Event>& tokens, const char* finish,
                    const Timings* timings = nullptr,
                    const std::vector<ToolCallDelta>* calls = nullptr);

  CompletionParams params_;
  std::string model_;
  std::string id_;
  int64_t created_;
  std::vector<Choice> choices_;
  std::vector<EchoToken> echo_tokens_;  // legacy echo with logprobs: the prompt's tokens
};

// OpenAI's finish_reason for an engine finish reason.
const char* FinishReason(const std::string& engine_reason);

}  // namespace inferno::server
