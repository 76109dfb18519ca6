// GET and PUT /api/models/{id}/options: a model's load options (context size, threads) with
// their defaults and valid ranges; a PUT that changes a loaded model's options reloads it
// (docs/server.md). Only JSON in and out here; ModelRegistry does the work.
#pragma once

#include "server/model_registry.h"
#include "server/router.h"

namespace inferno::server {

// Adds GET and PUT /api/models/{id...}/options to the route table; `registry` must outlive it.
void AddModelOptionsRoutes(Router& routes, ModelRegistry& registry);

}  // namespace inferno::server
