#include "server/model_options_routes.h"

#include <boost/json.hpp>
#include <cmath>
#include <string>

#include "server/route_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

Response StatusError(const Status& st) {
  switch (st.code()) {
    case Status::Code::kNotFound:
      return ErrorResponse(404, st.message(), "model_not_found", "model");
    case Status::Code::kInvalidArgument: {
      // The registry's range messages start with the field they are about.
      const std::string param = st.message().rfind("threads", 0) == 0 ? "threads" : "context_size";
      return ErrorResponse(400, st.message(), "invalid_value", param);
    }
    default:
      return ErrorResponse(500, st.message(), "model_load_failed", "model");
  }
}

json::object Body(const ModelOptions& o) {
  return json::object{
      {"id", o.id},
      {"object", "model.options"},
      {"context_size", o.effective.context_size},
      {"threads", o.effective.threads},
      {"loaded", o.loaded},
      {"defaults",
       json::object{{"context_size", o.defaults.context_size}, {"threads", o.defaults.threads}}},
      {"limits",
       json::object{
           {"context_size", json::object{{"min", o.min_context_size}, {"max", o.max_context_size}}},
           {"threads", json::object{{"min", o.min_threads}, {"max", o.max_threads}}}}}};
}

// One integer field of a PUT body: absent is fine, anything but an integer is not.
std::optional<Response> ReadInt(const json::object& o, const char* key,
                                std::optional<int64_t>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) {
    *out = v->as_int64();
  } else if (v->is_uint64()) {
    *out = INT64_MAX;  // larger than any range; the registry says which
  } else if (v->is_double() && std::trunc(v->as_double()) == v->as_double() &&
             std::abs(v->as_double()) < 1e15) {
    *out = int64_t(v->as_double());  // 512.0 from clients that write every number as a float
  } else {
    return ErrorResponse(400, std::string(key) + " must be an integer, got " + json::serialize(*v),
                         "invalid_type", key);
  }
  return std::nullopt;
}

Response Put(ModelRegistry& registry, const std::string& id, const std::string& body) {
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) {
    return ErrorResponse(
        400, "the body must be a JSON object like {\"context_size\":2048,\"threads\":4}");
  }
  const json::object& o = root.as_object();
  for (const auto& [key, value] : o) {
    if (key != "context_size" && key != "threads") {
      return ErrorResponse(
          400, "unknown field '" + std::string(key) + "': only context_size and threads can be set",
          "", std::string(key));
    }
  }
  std::optional<int64_t> context_size, threads;
  if (std::optional<Response> bad = ReadInt(o, "context_size", &context_size)) return *bad;
  if (std::optional<Response> bad = ReadInt(o, "threads", &threads)) return *bad;
  if (!context_size && !threads) return ErrorResponse(400, "give context_size, threads or both");
  bool reloaded = false;
  Result<ModelOptions> r = registry.SetOptions(id, context_size, threads, &reloaded);
  if (!r.ok()) return StatusError(r.status());
  json::object out = Body(*r);
  out["reloaded"] = reloaded;
  return JsonResponse(200, json::serialize(out));
}

}  // namespace

void AddModelOptionsRoutes(Router& routes, ModelRegistry& registry) {
  // Ids may hold '/' (models in subfolders); the registry refuses names leading out of the dir.
  routes.AddReply("GET", "/api/models/{id...}/options",
                  [&registry](const Request&, const PathParams& p) {
                    Result<ModelOptions> o = registry.Options(p.at("id"));
                    if (!o.ok()) return StatusError(o.status());
                    return JsonResponse(200, json::serialize(Body(*o)));
                  });
  routes.AddReply("PUT", "/api/models/{id...}/options",
                  [&registry](const Request& r, const PathParams& p) {
                    return Put(registry, p.at("id"), r.body);
                  });
}

}  // namespace inferno::server
