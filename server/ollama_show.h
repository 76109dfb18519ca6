// Ollama's POST /api/show for a GGUF model, read from its header (the weights are not loaded):
// modelfile, parameters (the defaults a request starts from), template (the model's own chat
// template, Jinja), details, model_info (the GGUF metadata; the tokenizer's vocabulary arrays
// empty unless verbose, as Ollama sends them), capabilities and modified_at. No I/O here.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/tokenizer/tokenizer.h"
#include "server/model_registry.h"

namespace inferno::server {

// What the model can be asked for, in Ollama's words: "completion" (or "embedding" for a model
// with a pooling type, an encoder), "tools" (its template renders tools), "thinking" (its
// template or vocabulary has a reasoning syntax), "insert" (fill-in-the-middle tokens).
std::vector<std::string> OllamaCapabilities(const gguf::File& file, const Tokenizer& tok);

boost::json::object OllamaShowJson(const ModelInfo& info, const gguf::File& file,
                                   const Tokenizer& tok, bool verbose);

}  // namespace inferno::server
