#include "server/errors.h"

#include <boost/json.hpp>

#include "engine/util/utf8.h"

namespace inferno::server {

namespace json = boost::json;

const char* ErrorType(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
    case 431:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string ErrorJson(int status, std::string_view message, std::string_view code,
                      std::string_view param) {
  // Messages and params quote what the client sent (a percent-decoded path, a field name cut
  // to 40 bytes, a Host header), which need not be UTF-8; json::serialize copies bytes as
  // they are, and the body would not be JSON (found by json_routes_fuzz).
  auto or_null = [](std::string_view s) {
    return s.empty() ? json::value(nullptr) : json::value(ToValidUtf8(s));
  };
  return json::serialize(json::object{{"error", json::object{{"message", ToValidUtf8(message)},
                                                             {"type", ErrorType(status)},
                                                             {"param", or_null(param)},
                                                             {"code", or_null(code)}}}});
}

Response ErrorResponse(int status, std::string_view message, std::string_view code,
                       std::string_view param) {
  return Response{status, "application/json", {}, ErrorJson(status, message, code, param)};
}

}  // namespace inferno::server
