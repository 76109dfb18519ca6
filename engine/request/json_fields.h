// JSON readers over the request schema (fields.h): OpenAI and /chat read the fields flat by
// name, the WS protocol reads the same declarations from its `sampling` and `probes` objects.
// Absent or null fields keep the request's value (its front end's default).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "engine/request/error.h"
#include "engine/request/fields.h"

namespace inferno::request {

// Reads o[key] (key: the field's name when empty) into the request. `param` is where the
// error says the value was ("sampling.top_k"; the key when empty).
std::optional<RequestError> ReadJsonField(const boost::json::object& o, const Field& f,
                                          GenerateRequest* req, std::string_view key = {},
                                          std::string_view param = {});

// Every field of `group` that `o` holds; `prefix` goes before each param ("sampling.").
// Keys that are no field of the group are left to the caller.
std::optional<RequestError> ReadJsonGroup(const boost::json::object& o, Group group,
                                          GenerateRequest* req, std::string_view prefix = {});

// The flat shape of OpenAI and /chat: the kTop and kSampling fields by name, and the
// structured output fields (structured_output.h: response_format, json_schema, grammar).
std::optional<RequestError> ReadFlatJson(const boost::json::object& o, GenerateRequest* req);

// The WS shape of the table's fields: top-level ones, {"sampling": {...}, "probes": {...}}.
boost::json::object ToNestedJson(const GenerateRequest& req);

}  // namespace inferno::request
