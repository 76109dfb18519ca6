// Which requests may carry a larger body than --body-limit: the routes that take inline images
// (chat requests and stored messages), up to --image-body-limit. Everything else keeps the
// small limit, and every request goes through the same Host/Origin and key checks.
#pragma once

#include <cstddef>
#include <string_view>

namespace inferno::server {

// True for POSTs to the routes that read images: /v1/chat/completions, /chat, Ollama's
// /api/chat and /api/generate, /api/conversations/{id}/messages and the imports.
// `target` may carry a query string.
bool TakesImages(std::string_view method, std::string_view target);

// The body limit for a request: image_limit where TakesImages (and it is the larger), else limit.
size_t BodyLimitFor(std::string_view method, std::string_view target, size_t limit,
                    size_t image_limit);

}  // namespace inferno::server
