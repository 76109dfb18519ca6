// The routes of Settings → Remote endpoints (docs/server.md): list, add (stored), test and
// remove the remote OpenAI-compatible endpoints of server/remote_registry.h, and the JSON
// their models take in /v1/models. No route ever answers an endpoint's key: only has_key.
//
// Adding or testing makes the server connect to a URL, so these routes are state-changing
// ones under the access policy (Origin, Host, key) and take only JSON bodies (no simple
// request); "test" only reaches an endpoint that was already added.
#pragma once

#include <boost/json/array.hpp>
#include <vector>

#include "server/remote_registry.h"
#include "server/router.h"

namespace inferno::server {

void AddRemoteRoutes(Router& routes, RemoteRegistry& registry);

// The models of the endpoints as /v1/models objects: id NAME/model, owned_by NAME,
// "remote": true and the endpoint's health.
boost::json::array RemoteModelObjects(const std::vector<RemoteEndpointInfo>& endpoints);
// The same models as Ollama's /api/tags lists them, with "remote": true and the endpoint.
boost::json::array RemoteOllamaModels(const std::vector<RemoteEndpointInfo>& endpoints);

}  // namespace inferno::server
