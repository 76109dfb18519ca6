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
      // The registry's messages start with the field they are about (the cache type check's
      // with "K cache type" / "V cache type").
      const std::string& m = st.message();
      const std::string param = m.rfind("threads", 0) == 0        ? "threads"
                                : m.rfind("K cache type", 0) == 0 ? "cache_type_k"
                                : m.rfind("V cache type", 0) == 0 ? "cache_type_v"
                                                                  : "context_size";
      return ErrorResponse(400, st.message(), "invalid_value", param);
    }
    default:
      return ErrorResponse(500, st.message(), "model_load_failed", "model");
  }
}

constexpr const char* kKvTypeNames[] = {"f16", "q8_0", "q4_0"};

json::object Body(const ModelOptions& o) {
  json::array kv_names;
  for (const char* n : kKvTypeNames) kv_names.emplace_back(n);
  return json::object{
      {"id", o.id},
      {"object", "model.options"},
      {"context_size", o.effective.context_size},
      {"threads", o.effective.threads},
      {"cache_type_k", KvCacheTypeName(o.effective.kv_types.k)},
      {"cache_type_v", KvCacheTypeName(o.effective.kv_types.v)},
      {"loaded", o.loaded},
      {"defaults", json::object{{"context_size", o.defaults.context_size},
                                {"threads", o.defaults.threads},
                                {"cache_type_k", KvCacheTypeName(o.defaults.kv_types.k)},
                                {"cache_type_v", KvCacheTypeName(o.defaults.kv_types.v)}}},
      {"limits",
       json::object{
           {"context_size", json::object{{"min", o.min_context_size}, {"max", o.max_context_size}}},
           {"threads", json::object{{"min", o.min_threads}, {"max", o.max_threads}}},
           {"cache_type_k", json::object{{"values", kv_names}}},
           {"cache_type_v", json::object{{"values", kv_names}}}}}};
}

// One cache type field of a PUT body: absent is fine, else one of kKvTypeNames.
std::optional<Response> ReadKvType(const json::object& o, const char* key,
                                   std::optional<DType>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  Result<DType> t = v->is_string() ? ParseKvCacheType(std::string_view(v->as_string()))
                                   : Result<DType>(Status::InvalidArgument(""));
  if (!t.ok()) {
    return ErrorResponse(400,
                         std::string(key) + " must be one of \"f16\", \"q8_0\", \"q4_0\", got " +
                             json::serialize(*v).substr(0, 60),
                         "invalid_value", key);
  }
  *out = *t;
  return std::nullopt;
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
    if (key != "context_size" && key != "threads" && key != "cache_type_k" &&
        key != "cache_type_v") {
      return ErrorResponse(400,
                           "unknown field '" + std::string(key) +
                               "': only context_size, threads, cache_type_k and cache_type_v "
                               "can be set",
                           "", std::string(key));
    }
  }
  std::optional<int64_t> context_size, threads;
  ModelRegistry::KvTypeChange kv;
  if (std::optional<Response> bad = ReadInt(o, "context_size", &context_size)) return *bad;
  if (std::optional<Response> bad = ReadInt(o, "threads", &threads)) return *bad;
  if (std::optional<Response> bad = ReadKvType(o, "cache_type_k", &kv.k)) return *bad;
  if (std::optional<Response> bad = ReadKvType(o, "cache_type_v", &kv.v)) return *bad;
  if (!context_size && !threads && !kv.k && !kv.v) {
    return ErrorResponse(400, "give context_size, threads, cache_type_k or cache_type_v");
  }
  bool reloaded = false;
  Result<ModelOptions> r = registry.SetOptions(id, context_size, threads, &reloaded, kv);
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
