// Which requests may carry a larger body than --body-limit: the routes that take inline images
// (chat requests and stored messages), up to --image-body-limit, and the audio upload routes, up
// to kAudioBodyLimit. Everything else keeps the small limit, and every request goes through the
// same Host/Origin and key checks. The one place the HTTP server asks, once a request's line and
// headers are read.
#pragma once

#include <cstddef>
#include <string_view>

namespace inferno::server {

// True for POSTs to the routes that read images: /v1/chat/completions, /chat, Ollama's
// /api/chat and /api/generate, /api/conversations/{id}/messages and the imports.
// `target` may carry a query string.
bool TakesImages(std::string_view method, std::string_view target);

// The audio routes' limit: OpenAI's 25 MB file plus room for the other fields and the framing.
inline constexpr size_t kAudioBodyLimit = (25 << 20) + (1 << 20);

// True for POSTs to /v1/audio/transcriptions and /v1/audio/translations.
bool TakesAudio(std::string_view method, std::string_view target);

// The body limit for a request: kAudioBodyLimit where TakesAudio, image_limit where TakesImages,
// else limit — never below limit.
size_t BodyLimitFor(std::string_view method, std::string_view target, size_t limit,
                    size_t image_limit);

}  // namespace inferno::server
