// The one error builder of the server: every route, the access checks and the transport
// answer errors in OpenAI's shape {"error":{"message","type","param","code"}}, with the type
// following from the status alone (ErrorType), so that a client can rely on one rule
// (docs/server.md, "Errors").
#pragma once

#include <string>
#include <string_view>

#include "server/http_types.h"

namespace inferno::server {

// 401 authentication_error, 403 permission_error, 404 not_found_error, 413 and 431
// request_too_large, 429 rate_limit_error, 5xx server_error, any other status
// invalid_request_error.
const char* ErrorType(int status);

// The error body. `code` is machine-readable ("model_not_found"), `param` the offending field;
// empty ones are written as null.
std::string ErrorJson(int status, std::string_view message, std::string_view code = "",
                      std::string_view param = "");

// A JSON response with that body.
Response ErrorResponse(int status, std::string_view message, std::string_view code = "",
                       std::string_view param = "");

}  // namespace inferno::server
