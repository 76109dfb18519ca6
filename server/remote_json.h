// One remote call whose JSON answer the caller reads itself (server/model_compare.h), failing
// as the proxy does (server/remote_proxy.h). Apart from remote_proxy.h so that the headers the
// whole server includes stay as they are.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string_view>
#include <variant>

#include "server/openai.h"
#include "server/remote_registry.h"

namespace inferno::server {

// One non-streamed POST of `body` (its "model" set to the remote's id) to `path` of a remote
// model's endpoint, and the JSON object it answers; or the error a client would get from the
// proxy for the same failure (remote_unreachable, remote_timeout, remote_failed,
// remote_bad_response, or the remote's own error with its status and message). For callers that
// read the answer themselves (server/model_compare.h). `cancelled` is polled as bytes arrive;
// true stops the transfer (then the error's code is "cancelled").
std::variant<boost::json::object, ApiError> PostRemoteJson(
    RemoteRegistry& registry, const RemoteTarget& target, std::string_view path,
    boost::json::object body, const std::function<bool()>& cancelled = {});

}  // namespace inferno::server
