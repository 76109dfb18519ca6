// POST /v1/audio/transcriptions and /v1/audio/translations (docs/server.md, "Speech"): the form
// parsed on the connection thread, the work done by the SpeechService, its segments streamed as
// server-sent events or collected into the response_format asked for.
#pragma once

#include <string>
#include <vector>

#include "server/admission.h"
#include "server/model_registry.h"
#include "server/router.h"
#include "server/speech_service.h"

namespace inferno::server {

void AddTranscriptionRoutes(Router& routes, SpeechService& speech, ModelRegistry& registry,
                            Admission& admission);

}  // namespace inferno::server
