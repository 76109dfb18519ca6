// Structured output fields of the request schema: what constrains a generation to a grammar
// (engine/grammar), read in one place for every front end.
//
//   response_format  OpenAI: {"type": "text" | "json_object" | "json_schema",
//                    "json_schema": {"name", "schema", "strict", "description"}}; llama.cpp's
//                    {"type": "json_object", "schema": {...}} too
//   json_schema      llama.cpp: a JSON Schema
//   grammar          llama.cpp: GBNF text
//   format           Ollama: "json" or a JSON Schema
//
// A bad schema or grammar is a kInvalidField error naming the field and the problem.
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "engine/request/error.h"
#include "engine/runtime/sequence.h"

namespace inferno::request {

// response_format, json_schema and grammar (at most one of them constrains).
std::optional<RequestError> ReadStructuredOutput(const boost::json::object& o,
                                                 GenerateRequest* req);
// Ollama's `format`.
std::optional<RequestError> ReadOllamaFormat(const boost::json::object& o, GenerateRequest* req);

}  // namespace inferno::request
