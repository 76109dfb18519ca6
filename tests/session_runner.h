// Runs one request through a Session and keeps every event, for tests that look at what the
// engine emits (tokens, probes, router rows) without a server in between.
#pragma once

#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/session.h"

namespace inferno::testing {

// `req` in a fresh Session on 2 threads with `n_ctx` tokens of context and `n_batch` prompt
// tokens per forward pass; the generation must succeed (a gtest failure otherwise).
std::vector<Event> RunSession(const Model& model, const GenerateRequest& req, int n_ctx = 512,
                              int n_batch = SessionOptions{}.n_batch);

}  // namespace inferno::testing
