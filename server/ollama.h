// Ollama's chat API (POST /api/chat) as its clients speak it: the request parsed into a
// GenerateRequest through the request schema, and engine events encoded as Ollama's message
// objects, one JSON object per line when streamed (application/x-ndjson). A thinking model's
// reasoning goes to message.thinking, as Ollama returns it; `think: false` leaves it in the
// content. Tools (`tools`, role "tool" messages) are read as /v1 reads them, and the calls the
// model makes come back whole in message.tool_calls. No I/O here.
#pragma once

#include <string>
#include <string_view>

#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"
#include "server/model_registry.h"
#include "server/openai.h"

namespace inferno::server {

struct OllamaChatParams {
  std::string model;
  bool stream = true;  // Ollama streams unless told not to
  bool max_tokens_given = false;
};

// Reads {model, messages, tools?, stream?, think?, options?}; options are the request schema's
// sampling fields under their Ollama names (num_predict = max_tokens, -1 = no limit).
std::optional<ApiError> ParseOllamaChat(std::string_view body, GenerateRequest* request,
                                        OllamaChatParams* params);

// Accumulates one generation and renders Ollama's chat objects.
class OllamaChatEncoder {
 public:
  OllamaChatEncoder(std::string model, std::string created_at)
      : model_(std::move(model)), created_at_(std::move(created_at)) {}

  // Streamed: one line per token with text; "" (nothing to send) when the token completed none.
  std::string TokenLine(const Event& e);
  // Streamed: the last line (done: true, counts and durations).
  std::string DoneLine(const Event& done, int prompt_tokens) const;
  // Not streamed: call Add() per token, then Final().
  void Add(const Event& e);
  std::string Final(const Event& done, int prompt_tokens) const;

 private:
  std::string model_;
  std::string created_at_;
  std::string content_;
  std::string thinking_;
  std::vector<ChatToolCall> tool_calls_;
};

// Ollama's model lists, so its clients (Open WebUI, the ollama libraries) find the models:
// GET /api/tags lists every model of the registry, GET /api/ps the loaded ones. Each entry has
// name/model (the registry id), modified_at (the file's time), size (bytes) and details
// (format "gguf", family = the GGUF architecture, parameter_size "1.2B", quantization_level).
// No `digest`: Ollama's is the blob's SHA-256, which would mean hashing every file per list.
boost::json::object OllamaTags(const std::vector<ModelInfo>& models);
boost::json::object OllamaRunning(const std::vector<ModelInfo>& models);

}  // namespace inferno::server
