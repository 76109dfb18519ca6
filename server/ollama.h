// Ollama's generation API as its clients speak it: /api/chat and /api/generate request bodies
// parsed into a GenerateRequest through the request schema (the shared fields in
// server/ollama_options.h), and engine events encoded as Ollama's objects, one JSON object per
// line when streamed (application/x-ndjson). A thinking model's reasoning goes to `thinking`
// (message.thinking in chat), as Ollama returns it; `think: false` leaves it in the content.
// Tools (`tools`, role "tool" messages) are read as /v1 reads them, and the calls the model
// makes come back whole in message.tool_calls. Also the model lists of /api/tags and /api/ps.
// No I/O here.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"
#include "server/model_registry.h"
#include "server/ollama_options.h"
#include "server/openai.h"

namespace inferno::server {

// /api/chat: {model, messages, tools?, stream?, think?, format?, options?, keep_alive?}. No
// messages (or none at all): load_only, as Ollama loads the model for it.
std::optional<ApiError> ParseOllamaChat(std::string_view body, GenerateRequest* request,
                                        OllamaParams* params);

// /api/generate: {model, prompt, suffix?, system?, raw?, context?, template?, images?, ...}
// and the fields of ParseOllamaChat but messages and tools. The prompt becomes one user
// message after an optional system one, rendered by the model's own template; raw: the prompt
// as it is; a suffix: the fill-in-the-middle prompt (the model's FIM tokens). A template
// override or images are a 400 (the model's own Jinja template is what renders prompts, and
// this server has no vision yet). An empty prompt: load_only.
std::optional<ApiError> ParseOllamaGenerate(std::string_view body, GenerateRequest* request,
                                            OllamaParams* params);

// Ollama's time format: RFC 3339 in UTC with nanoseconds.
std::string OllamaTime();

// Accumulates one generation and renders Ollama's objects: chat's {message: {role, content,
// thinking?, tool_calls?}} or generate's {response, thinking?, context (on the last)}.
class OllamaEncoder {
 public:
  enum class Kind { kChat, kGenerate };
  // `clock` gives each object's created_at when it is made (Ollama stamps every streamed
  // line with its own time); OllamaTime unless a test fixes it.
  using Clock = std::function<std::string()>;
  OllamaEncoder(Kind kind, std::string model, Clock clock = OllamaTime)
      : kind_(kind), model_(std::move(model)), clock_(std::move(clock)) {}

  // /api/generate: the last object's `context` is these ids followed by the generated ones.
  void SetContext(std::vector<int32_t> prompt_ids) {
    context_ = std::move(prompt_ids);
    with_context_ = true;
  }

  // Streamed: one line per token with text; "" (nothing to send) when the token completed none.
  std::string TokenLine(const Event& e);
  // Streamed: the last line (done: true, counts and durations).
  std::string DoneLine(const Event& done, int prompt_tokens) const;
  // Not streamed: call Add() per token, then Final().
  void Add(const Event& e);
  std::string Final(const Event& done, int prompt_tokens) const;
  // A request that only loaded (done_reason "load") or unloaded ("unload") the model.
  std::string LoadOnly(const char* done_reason) const;

 private:
  boost::json::object Object(const std::string& text, const std::string& thinking,
                             const std::vector<ChatToolCall>& calls, bool done) const;
  std::string Last(const Event& done, int prompt_tokens, const std::string& text,
                   const std::string& thinking) const;

  Kind kind_;
  std::string model_;
  Clock clock_;
  std::string content_;
  std::string thinking_;
  std::vector<ChatToolCall> tool_calls_;
  std::vector<int32_t> context_;
  bool with_context_ = false;
};

// Ollama's model lists, so its clients (Open WebUI, the ollama libraries) find the models:
// GET /api/tags lists every model of the registry, GET /api/ps the loaded ones, with
// expires_at (when keep_alive unloads it; a model kept until unloaded shows 9999-12-31). Each
// entry has name/model (the registry id), modified_at (the file's time), size (bytes) and
// details (format "gguf", family = the GGUF architecture, parameter_size "1.2B",
// quantization_level). No `digest`: Ollama's is the blob's SHA-256, which would mean hashing
// every file per list.
boost::json::object OllamaTags(const std::vector<ModelInfo>& models);
boost::json::object OllamaRunning(const std::vector<ModelInfo>& models);
// Ollama's `details` of a model.
boost::json::object OllamaDetails(const ModelInfo& m);

// Ollama's error body, {"error": "..."}: what its clients read (the ollama libraries throw
// the string). Made from the server's one error body (server/errors.h), whose message it keeps.
std::string OllamaErrorBody(std::string_view server_error_body);

}  // namespace inferno::server
