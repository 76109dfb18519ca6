#include "server/app_routes.h"

#include <boost/json.hpp>

#include "server/route_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

Response OpenModel(ModelRegistry& registry, const Request& r) {
  json::object body;
  if (std::optional<Response> bad = JsonBody(r, &body)) return *bad;
  const json::value* path = body.if_contains("path");
  if (path == nullptr || !path->is_string() || path->as_string().empty()) {
    return ErrorResponse(400, "path must be a file's path", "invalid_type", "path");
  }
  Result<std::string> id = registry.AddFile(std::string(path->as_string()));
  if (!id.ok()) {
    const bool missing = id.status().code() == Status::Code::kNotFound;
    return ErrorResponse(missing ? 404 : 400, id.status().message(),
                         missing ? "not_found" : "invalid_model", "path");
  }
  return JsonResponse(200, json::object{{"id", *id}, {"object", "model"}});
}

}  // namespace

void AddAppRoutes(Router& routes, ModelRegistry& registry) {
  routes.AddReply("POST", "/api/app/models", [&registry](const Request& r, const PathParams&) {
    return OpenModel(registry, r);
  });
}

}  // namespace inferno::server
