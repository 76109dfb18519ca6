// GET and PUT /api/models/{id}/options: a model's load options (context size, threads) with
// their defaults and valid ranges; a PUT that changes a loaded model's options reloads it
// (docs/server.md). Only JSON in and out here; ModelRegistry does the work.
#pragma once

#include <optional>

#include "server/http_types.h"
#include "server/model_registry.h"

namespace inferno::server {

// The response for /api/models/{id}/options, or nullopt for any other path.
std::optional<Response> HandleModelOptions(ModelRegistry& registry, const Request& request);

}  // namespace inferno::server
