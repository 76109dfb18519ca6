// Response builders shared by the JSON routes outside the OpenAI endpoints (store, bench,
// model options), so their errors have one shape: the OpenAI error object (ErrorBody).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace inferno::server {

// An error response; 404 is typed not_found_error and 5xx server_error, the rest
// invalid_request_error.
Response ErrorResponse(int status, std::string message, std::string code = "",
                       std::string param = "");

Response JsonResponse(int status, std::string body);
Response JsonResponse(int status, const boost::json::object& body);

// 405 with an Allow header naming the methods the path takes.
Response MethodNotAllowed(const Request& r, const char* allowed);

// The query parameter `name` as an integer in [lo, hi] (digits only) into *out; absent keeps
// *out; otherwise a 400 invalid_value error naming the parameter.
std::optional<Response> QueryInt(const Request& r, const char* name, int lo, int hi, int* out);

// "/api/x/y/" -> {"api", "x", "y"} (empty segments dropped).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace inferno::server
