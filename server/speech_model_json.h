// Speech models as the model lists show them: OpenAI's /v1/models object with Inferno's fields
// ("kind": "speech", capabilities "transcription" and, for multilingual models, "translation"),
// and Ollama's /api/tags entry.
#pragma once

#include <boost/json.hpp>

#include "server/speech_models.h"

namespace inferno::server {

boost::json::object SpeechModelObject(const SpeechModelInfo& m);
boost::json::object SpeechOllamaModel(const SpeechModelInfo& m);

}  // namespace inferno::server
