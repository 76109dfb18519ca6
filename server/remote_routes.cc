#include "server/remote_routes.h"

#include <boost/json.hpp>

#include "server/route_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

json::object HealthJson(const RemoteHealth& h) {
  json::object o{{"ok", h.ok},
                 {"checked_at", h.checked_at_ms},
                 {"latency_ms", h.latency_ms},
                 {"error", h.error.empty() ? json::value(nullptr) : json::value(h.error)}};
  return o;
}

json::object EndpointJson(const RemoteEndpointInfo& e) {
  json::array models;
  for (const std::string& m : e.health.models) models.emplace_back(e.name + "/" + m);
  return json::object{{"name", e.name},
                      {"url", e.url},
                      {"has_key", e.has_key},
                      {"source", e.stored ? "stored" : "config"},
                      {"health", HealthJson(e.health)},
                      {"models", std::move(models)}};
}

Response RegistryError(const Status& st) {
  if (st.code() == Status::Code::kUnsupported) return ErrorResponse(409, st.message(), "conflict");
  return StoreErrorResponse(st);
}

Response AddEndpoint(RemoteRegistry& registry, const Request& r) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return *bad;
  store::RemoteEndpoint e;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"name", &e.name},
                          {"url", &e.url},
                          {"api_key", &e.api_key}}) {
    const json::value* v = body.if_contains(key);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) {
      return ErrorResponse(400, std::string(key) + " must be a string", "invalid_type", key);
    }
    *out = std::string(v->as_string());
  }
  while (!e.url.empty() && e.url.back() == '/') e.url.pop_back();
  Result<RemoteEndpointInfo> info = registry.Add(std::move(e));
  if (!info.ok()) return RegistryError(info.status());
  return JsonResponse(201, EndpointJson(*info));
}

}  // namespace

json::array RemoteModelObjects(const std::vector<RemoteEndpointInfo>& endpoints) {
  json::array out;
  for (const RemoteEndpointInfo& e : endpoints) {
    for (const std::string& m : e.health.models) {
      out.push_back(json::object{
          {"id", e.name + "/" + m},
          {"object", "model"},
          {"created", e.health.checked_at_ms / 1000},
          {"owned_by", e.name},
          {"type", "llm"},
          {"remote", true},
          {"endpoint",
           json::object{{"name", e.name}, {"url", e.url}, {"health", HealthJson(e.health)}}}});
    }
  }
  return out;
}

json::array RemoteOllamaModels(const std::vector<RemoteEndpointInfo>& endpoints) {
  json::array out;
  for (const json::value& v : RemoteModelObjects(endpoints)) {
    const json::object& m = v.as_object();
    out.push_back(json::object{{"name", m.at("id")},
                               {"model", m.at("id")},
                               {"remote", true},
                               {"remote_host", m.at("endpoint").as_object().at("url")},
                               {"endpoint", m.at("endpoint")},
                               {"details", json::object{{"format", "remote"}}}});
  }
  return out;
}

void AddRemoteRoutes(Router& routes, RemoteRegistry& registry) {
  routes.AddReply("GET", "/api/remotes", [&registry](const Request&, const PathParams&) {
    json::array data;
    for (const RemoteEndpointInfo& e : registry.List()) data.push_back(EndpointJson(e));
    return JsonResponse(200, json::object{{"data", std::move(data)}});
  });
  routes.AddReply("POST", "/api/remotes", [&registry](const Request& r, const PathParams&) {
    return AddEndpoint(registry, r);
  });
  routes.AddReply("POST", "/api/remotes/{name}/test",
                  [&registry](const Request& r, const PathParams& p) {
                    // JSON only, like every route that makes the server connect somewhere.
                    json::object unused;
                    if (!r.body.empty() || !r.header("content-type").empty()) {
                      if (auto bad = JsonBody(r, &unused)) return *bad;
                    }
                    Result<RemoteEndpointInfo> info = registry.Check(p.at("name"));
                    if (!info.ok()) return RegistryError(info.status());
                    return JsonResponse(200, EndpointJson(*info));
                  });
  routes.AddReply(
      "DELETE", "/api/remotes/{name}", [&registry](const Request&, const PathParams& p) {
        Status st = registry.Remove(p.at("name"));
        if (!st.ok()) return RegistryError(st);
        return JsonResponse(200, json::object{{"name", p.at("name")}, {"deleted", true}});
      });
}

}  // namespace inferno::server
