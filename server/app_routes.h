// Routes only the server of `inferno app` has (cli/app.cc), behind its per-launch key like
// every API route: POST /api/app/models {"path": "/abs/file.gguf"} serves a model file the
// user chose in the window's native file dialog (ModelRegistry::AddFile) and answers
// {"id": ...}. A plain `inferno serve` never opens files by path for a request.
#pragma once

#include "server/model_registry.h"
#include "server/router.h"

namespace inferno::server {

// `registry` must outlive `routes`.
void AddAppRoutes(Router& routes, ModelRegistry& registry);

}  // namespace inferno::server
