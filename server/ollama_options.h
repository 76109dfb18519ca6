// The request fields Ollama's /api/chat and /api/generate share, read into the request schema:
// `options` (the Modelfile parameters), `keep_alive`, `think` and `stream`. No I/O here.
//
// `options`, as Ollama treats them:
//   - the sampling fields of the request schema under their own names (temperature, top_k,
//     top_p, min_p, repeat_penalty, repeat_last_n (-1: the whole context), presence_penalty,
//     frequency_penalty, seed), `stop`, and `num_predict` for max_tokens (negative: no limit);
//   - `num_ctx`: the model's context size, which the server applies (Ollama reloads the model
//     for it too);
//   - settings of how the model runs, which change nothing in what it writes here (num_batch,
//     num_gpu, main_gpu, num_thread, use_mmap, use_mlock, numa, low_vram, f16_kv, vocab_only,
//     logits_all, embedding_only, num_keep): accepted and not used;
//   - samplers Inferno does not have (mirostat, tfs_z, typical_p, penalize_newline: false) at a
//     value that would change the output: 400 naming them, never silently ignored; at their
//     neutral value (mirostat 0, tfs_z 1, typical_p 1): accepted;
//   - any other name: ignored, and listed in OllamaParams::unknown_options for a warning, as
//     Ollama ignores unknown options with a warning.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/sequence.h"
#include "server/openai.h"

namespace inferno::server {

// keep_alive: how long the model stays loaded after the request. nullopt: forever.
using KeepAlive = std::optional<std::chrono::milliseconds>;

// What a request says beyond the GenerateRequest.
struct OllamaParams {
  std::string model;
  bool stream = true;  // Ollama streams unless told not to
  bool max_tokens_given = false;
  std::optional<KeepAlive> keep_alive;  // absent: the model's expiry stays as it is
  std::optional<int> num_ctx;
  std::vector<std::string> unknown_options;
  bool load_only = false;  // no prompt / no messages: load (or unload) the model, generate nothing
  // /api/generate
  bool raw = false;
  std::vector<int32_t> context;  // `context`: the token ids a previous answer returned
};

// Ollama's keep_alive: a number of seconds (negative: forever) or a Go duration string
// ("5m", "1h30m", "300ms", "0"; negative: forever; a plain number is seconds too).
std::optional<ApiError> ParseKeepAlive(const boost::json::value& v, KeepAlive* out);

// model, stream, options, keep_alive, think and format.
std::optional<ApiError> ReadOllamaCommon(const boost::json::object& o, GenerateRequest* req,
                                         OllamaParams* params);

// A 400 for the field `param`.
ApiError OllamaBadField(std::string param, std::string message);

}  // namespace inferno::server
