// The embedding routes (docs/server.md, "Embeddings"), computed by the model's scheduler
// (Scheduler::SubmitEmbedding, engine/runtime/embedder.h):
//   POST /v1/embeddings   OpenAI: input string | string[] | int[] | int[][] (token ids),
//                         encoding_format float | base64, dimensions, model, user
//   POST /api/embed       Ollama: input string | string[], truncate (default true: inputs cut
//                         to the context), options and keep_alive accepted
//   POST /api/embeddings  Ollama's older route: {model, prompt} → {embedding}
// Parsing and encoding here are pure (tested in embeddings_test.cc); the routes wait for the
// scheduler's answer on the HTTP thread.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/embedder.h"
#include "server/admission.h"
#include "server/model_registry.h"
#include "server/openai.h"
#include "server/router.h"

namespace inferno::server {

enum class EmbedDialect { kOpenAi, kOllama, kOllamaLegacy };

struct EmbeddingsCall {
  EmbedDialect dialect = EmbedDialect::kOpenAi;
  std::string model;
  boost::json::value input;  // as sent; InputTokens() reads it once the model is known
  bool base64 = false;       // OpenAI encoding_format
  int dimensions = 0;        // OpenAI dimensions; 0: the model's
  bool truncate = false;     // Ollama: cut inputs to the context instead of refusing them
};

// Reads a request body of `dialect`; a 400 naming the field otherwise.
std::optional<ApiError> ParseEmbeddingsCall(std::string_view body, EmbedDialect dialect,
                                            EmbeddingsCall* out);

// The call's inputs as token lists: strings through EmbeddingTokens (special tokens added, as
// llama.cpp), token arrays as given (OpenAI only). Truncation, when asked, keeps the first
// n_ctx tokens. Shapes other than the four above are a 400 naming `input`.
std::optional<ApiError> InputTokens(const EmbeddingsCall& call, const Tokenizer& tokenizer,
                                    int n_ctx, std::vector<std::vector<int32_t>>* out);

// Little-endian float32 bytes in base64, as OpenAI's encoding_format "base64".
std::string Base64Floats(std::span<const float> v);

// The response bodies.
std::string OpenAiEmbeddingsJson(const EmbedResult& r, const std::string& model, bool base64);
std::string OllamaEmbedJson(const EmbedResult& r, const std::string& model, double total_ms,
                            double load_ms);
std::string OllamaLegacyEmbeddingJson(const EmbedResult& r);

// Adds the three routes; `registry` and `admission` (whose per-client bound each request
// counts against while it runs) must outlive the table.
// `forward` (may be empty) takes an OpenAI request for a remote model (the one proxy,
// server/remote_proxy.h) and answers it; false leaves the request to the local models.
using EmbeddingForward = std::function<bool(const Request&, ResponseWriter&)>;
void AddEmbeddingRoutes(Router& routes, ModelRegistry& registry, Admission& admission,
                        EmbeddingForward forward = {});

}  // namespace inferno::server
