// Response helpers shared by the JSON routes (store, bench, model options, the API's own);
// errors come from the one builder in server/errors.h.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"
#include "server/errors.h"
#include "server/http_types.h"

namespace inferno::server {

Response JsonResponse(int status, std::string body);
Response JsonResponse(int status, const boost::json::object& body);

// The answer for a store Status: 400 invalid_value, 404 not_found, 409 conflict, 413 too_large,
// 503 store_damaged, else 500 store_error.
Response StoreErrorResponse(const Status& st);

// The query parameter `name` as an integer in [lo, hi] (digits only) into *out; absent keeps
// *out; otherwise a 400 invalid_value error naming the parameter.
std::optional<Response> QueryInt(const Request& r, const char* name, int lo, int hi, int* out);

// A JSON object body, sent as JSON: the content type makes the request non-simple, so a page
// of another site cannot send it without a preflight (which only allowed origins pass).
// Otherwise the 415 or 400 to answer.
std::optional<Response> JsonBody(const Request& r, boost::json::object* out);

// "/api/x/y/" -> {"api", "x", "y"} (empty segments dropped).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace inferno::server
