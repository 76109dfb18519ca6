// Prepare(): the one place a request becomes ready to generate, for every front end. It
// sets up tool calling (tool_calls.h), tokenizes the prompt (the chat template applied to
// messages), checks that it fits the context with room for a generated token, that its token ids
// are in the vocabulary and that the asked probes are possible on this model, and stores the tokens
// in the request.
#pragma once

#include <optional>

#include "engine/model/model.h"
#include "engine/request/error.h"
#include "engine/runtime/sequence.h"

namespace inferno::request {

// On success req.prompt_tokens holds the prompt. `n_ctx`: the context each sequence gets.
std::optional<RequestError> Prepare(const Model& model, GenerateRequest& req, int n_ctx);

}  // namespace inferno::request
