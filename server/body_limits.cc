#include "server/body_limits.h"

#include <algorithm>
#include <array>

namespace inferno::server {
namespace {

constexpr std::array<std::string_view, 6> kImageRoutes{
    "/v1/chat/completions", "/chat", "/api/chat", "/api/generate", "/api/conversations/import",
    "/api/sessions/import",
};

// /api/conversations/{id}/messages, with one non-empty id segment.
bool IsMessagesRoute(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/conversations/";
  constexpr std::string_view kSuffix = "/messages";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return false;
  const std::string_view id =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  return !id.empty() && id.find('/') == std::string_view::npos;
}

}  // namespace

bool TakesImages(std::string_view method, std::string_view target) {
  if (method != "POST") return false;
  const std::string_view path = target.substr(0, target.find('?'));
  return std::find(kImageRoutes.begin(), kImageRoutes.end(), path) != kImageRoutes.end() ||
         IsMessagesRoute(path);
}

bool TakesAudio(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return method == "POST" &&
         (path == "/v1/audio/transcriptions" || path == "/v1/audio/translations");
}

size_t BodyLimitFor(std::string_view method, std::string_view target, size_t limit,
                    size_t image_limit) {
  if (TakesAudio(method, target)) return std::max(limit, kAudioBodyLimit);
  return TakesImages(method, target) ? std::max(limit, image_limit) : limit;
}

}  // namespace inferno::server
