#include "engine/request/image_input.h"

#include <span>

#include "engine/util/base64.h"

namespace inferno::request {
namespace {

constexpr std::string_view kDataScheme = "data:";

}  // namespace

std::string ImageRef(std::string_view url_or_base64) {
  if (url_or_base64.find(':') != std::string_view::npos) return std::string(url_or_base64);
  return "data:;base64," + std::string(url_or_base64);
}

Result<std::string> ImageBytes(const std::string& ref, const ImageFetcher& fetch) {
  if (ref.rfind(kDataScheme, 0) == 0) {
    const size_t comma = ref.find(',');
    if (comma == std::string::npos) {
      return Status::InvalidArgument("the image's data URL has no ',' before its data");
    }
    const std::string_view header = std::string_view(ref).substr(0, comma);
    if (header.size() < 7 || header.substr(header.size() - 7) != ";base64") {
      return Status::InvalidArgument(
          "the image's data URL must be base64 (data:image/png;base64,...)");
    }
    Result<std::string> bytes = DecodeBase64(std::string_view(ref).substr(comma + 1));
    if (!bytes.ok())
      return Status::InvalidArgument("the image's data URL: " + bytes.status().message());
    return bytes;
  }
  if (!fetch) {
    return Status::InvalidArgument(
        "only data URLs (data:image/...;base64,...) are accepted; start the server with "
        "--allow-remote-images to fetch http(s) URLs");
  }
  return fetch(ref);
}

Result<media::Image> ReadImage(const std::string& ref, const ImageFetcher& fetch) {
  Result<std::string> bytes = ImageBytes(ref, fetch);
  if (!bytes.ok()) return bytes.status();
  if (bytes->empty()) return Status::InvalidArgument("the image is empty (0 bytes)");
  return media::DecodeImage(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
}

}  // namespace inferno::request
