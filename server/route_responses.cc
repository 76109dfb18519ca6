#include "server/route_responses.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace inferno::server {

Response JsonResponse(int status, std::string body) {
  return Response{status, "application/json", {}, std::move(body)};
}

Response JsonResponse(int status, const boost::json::object& body) {
  return JsonResponse(status, boost::json::serialize(body));
}

Response StoreErrorResponse(const Status& st) {
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return ErrorResponse(400, st.message(), "invalid_value");
    case Status::Code::kNotFound:
      return ErrorResponse(404, st.message(), "not_found");
    case Status::Code::kAlreadyExists:
      return ErrorResponse(409, st.message(), "conflict");
    case Status::Code::kOutOfRange:
      return ErrorResponse(413, st.message(), "too_large");
    case Status::Code::kCorruption:  // a damaged database: the store writes nothing more
      return ErrorResponse(503, st.message(), "store_damaged");
    default:
      return ErrorResponse(500, "store error: " + st.message(), "store_error");
  }
}

std::optional<Response> JsonBody(const Request& r, boost::json::object* out) {
  const std::string_view type = r.header("content-type");
  if (type.rfind("application/json", 0) != 0) {
    return ErrorResponse(415, "send the body as Content-Type: application/json",
                         "unsupported_media_type");
  }
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    return ErrorResponse(400, "the body must be a JSON object", "invalid_json");
  }
  *out = std::move(v.as_object());
  return std::nullopt;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) parts.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

std::optional<Response> QueryInt(const Request& r, const char* name, int lo, int hi, int* out) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return std::nullopt;
  const std::string& v = it->second;
  bool ok = !v.empty() && v.size() <= 9;
  for (char c : v) ok &= c >= '0' && c <= '9';
  if (ok) *out = std::stoi(v);
  if (!ok || *out < lo || *out > hi) {
    // Appended piece by piece: GCC 12 misreports a chain of std::string operator+ here
    // (-Wrestrict).
    std::string message = name;
    message += " must be an integer from ";
    message += std::to_string(lo);
    message += " to ";
    message += std::to_string(hi);
    message += ", not '";
    message += v.substr(0, 40);
    message += "'";
    return ErrorResponse(400, std::move(message), "invalid_value", name);
  }
  return std::nullopt;
}

}  // namespace inferno::server
