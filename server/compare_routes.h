// The routes of Compare between any two models, local or remote, and of the quantization
// report (server/model_compare.h; docs/server.md, "Compare"): thin front ends that read the
// body, run the comparisons on the connection's thread and stream their events as SSE
// (`data: {json}`). Until the first event an error is an ordinary HTTP error; after it, one
// event {"kind":"error","code","message","status"} ends the stream.
//
//   POST /api/compare          {a, b, prompt | messages, max_tokens, top_k, reference}
//   POST /api/compare/report   {a, b, prompts: [..], builtin: true, chat, max_tokens, top_k,
//                               reference}: per prompt "start" and "summary", then "report"
//   GET  /api/compare/prompts  the report's built-in prompts
#pragma once

#include "server/admission.h"
#include "server/model_registry.h"
#include "server/remote_registry.h"
#include "server/router.h"

namespace inferno::server {

// `remotes` may be null. Everything must outlive the table.
void AddCompareRoutes(Router& routes, ModelRegistry& registry, Admission& admission,
                      RemoteRegistry* remotes);

}  // namespace inferno::server
