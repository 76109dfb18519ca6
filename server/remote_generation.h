// The front ends that have no wire of their own on a remote (Ollama's /api/chat and
// /api/generate, /v1/responses, Anthropic's /v1/messages) run on a remote model through its
// OpenAI API: the request as the front end parsed it (the request schema, GenerateRequest)
// becomes an OpenAI chat completion (a raw prompt: a completion), streamed from the remote by
// RemoteProxy::Generate, and each chunk the remote sends becomes the engine's events, which
// the front end encodes exactly as it encodes a local model's. So there is no second encoder
// of any of those formats, only this translation in both directions. No I/O here.
//
// What has no OpenAI form is refused with a 400 naming it, never dropped in silence: a
// structured-output grammar (Ollama's `format`, the Responses API's text.format), images,
// n > 1, and token ids (Ollama's `context`), which only the remote's tokenizer could read.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"
#include "server/openai.h"

namespace inferno::server {

// The OpenAI request for `req` on the remote's model `model`: *path is /v1/chat/completions
// (messages) or /v1/completions (a raw prompt), the body always streamed with usage.
// `max_given`: the client set a token limit (else the remote's default applies).
std::optional<ApiError> RemoteRequestBody(const GenerateRequest& req, bool max_given,
                                          const std::string& model, std::string* path,
                                          boost::json::object* body);

// Reads a remote's stream chunk by chunk into events: one kToken per chunk that carries text,
// reasoning (reasoning_content) or tool call deltas; the kDone at the end with the finish
// reason and the timings (token counts from the remote's usage, times as seen here).
class RemoteEventReader {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RemoteEventReader(Clock::time_point start = Clock::now()) : start_(start) {}

  // A chunk (chat.completion.chunk or text_completion) into *out. An error object in the
  // stream is a kError event.
  void Chunk(const boost::json::object& chunk, std::vector<Event>* out);
  // A whole answer (a remote that ignored "stream") reads as one chunk: its message is the
  // one delta.
  // The kDone after the last chunk.
  Event Done() const;
  int prompt_tokens() const { return prompt_tokens_; }

 private:
  void Choice(const boost::json::object& choice, std::vector<Event>* out);
  void Usage(const boost::json::object& chunk);
  Event Token();

  Clock::time_point start_;
  Clock::time_point first_{}, last_{};
  int tokens_ = 0;
  int prompt_tokens_ = 0;
  int completion_tokens_ = -1;
  std::string finish_reason_ = "stop";
};

}  // namespace inferno::server
