// A GGUF metadata value as JSON, for the front ends that show a model's metadata (`inferno
// inspect`, Ollama's /api/show): strings as strings, bools, numbers, arrays in full.
#pragma once

#include <boost/json/value.hpp>

#include "engine/gguf/gguf_file.h"

namespace inferno {

boost::json::value GgufValueJson(const gguf::Value& v);

}  // namespace inferno
