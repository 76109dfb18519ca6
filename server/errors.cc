#include "server/errors.h"

#include <boost/json.hpp>

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
  auto or_null = [](std::string_view s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
  };
  return json::serialize(json::object{{"error", json::object{{"message", message},
                                                             {"type", ErrorType(status)},
                                                             {"param", or_null(param)},
                                                             {"code", or_null(code)}}}});
}

Response ErrorResponse(int status, std::string_view message, std::string_view code,
                       std::string_view param) {
  return Response{status, "application/json", {}, ErrorJson(status, message, code, param)};
}

}  // namespace inferno::server
