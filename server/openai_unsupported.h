// OpenAI request parameters this server knows but cannot honour: a request that sets one to
// anything but its neutral value gets a 400 naming it, rather than an answer that silently
// ignores it. Parameters it does not know at all stay ignored, as OpenAI-compatible servers do.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "server/openai.h"

namespace inferno::server {

// `chat`: /v1/chat/completions, else /v1/completions (whose own parameter best_of is refused;
// its suffix and echo are honoured).
std::optional<ApiError> CheckUnsupported(const boost::json::object& body, bool chat);

}  // namespace inferno::server
