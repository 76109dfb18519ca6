// Format sniffing, the pixel limit and dispatch to the per-format decoders.
#include "engine/media/image.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/media/image_codecs.h"

namespace inferno::media {

namespace {

bool StartsWith(std::span<const uint8_t> data, size_t offset, std::string_view magic) {
  return data.size() >= offset + magic.size() &&
         std::memcmp(data.data() + offset, magic.data(), magic.size()) == 0;
}

// The same error with the file's name in front, keeping its code.
Status WithPath(const std::string& path, const Status& s) {
  std::string m = path + ": " + s.message();
  switch (s.code()) {
    case Status::Code::kUnsupported:
      return Status::Unsupported(std::move(m));
    case Status::Code::kOutOfRange:
      return Status::OutOfRange(std::move(m));
    case Status::Code::kCorruption:
      return Status::Corruption(std::move(m));
    default:
      return Status::InvalidArgument(std::move(m));
  }
}

}  // namespace

std::string_view ImageFormatName(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kGif:
      return "GIF";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(std::span<const uint8_t> data) {
  if (StartsWith(data, 0, "\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (StartsWith(data, 0, "\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (StartsWith(data, 0, "RIFF") && StartsWith(data, 8, "WEBP")) return ImageFormat::kWebp;
  if (StartsWith(data, 0, "GIF87a") || StartsWith(data, 0, "GIF89a")) return ImageFormat::kGif;
  return ImageFormat::kUnknown;
}

namespace internal {

Status CheckDimensions(std::string_view format, uint64_t width, uint64_t height,
                       const DecodeOptions& options) {
  if (width == 0 || height == 0) {
    return Status::Corruption(std::string(format) + " image has no pixels (" +
                              std::to_string(width) + "x" + std::to_string(height) + ")");
  }
  if (width * height > options.max_pixels) {
    return Status::OutOfRange(std::string(format) + " image is " + std::to_string(width) + "x" +
                              std::to_string(height) + ", above the limit of " +
                              std::to_string(options.max_pixels) + " pixels");
  }
  return Status::Ok();
}

Image CompositeOnWhite(int width, int height, std::span<const uint8_t> rgba) {
  Image img{width, height, std::vector<uint8_t>(size_t(width) * height * 3)};
  const size_t n = size_t(width) * height;
  for (size_t i = 0; i < n; ++i) BlendOnWhite(&rgba[4 * i], &img.rgb[3 * i]);
  return img;
}

}  // namespace internal

Result<Image> DecodeImage(std::span<const uint8_t> data, const DecodeOptions& options) {
  switch (SniffImageFormat(data)) {
    case ImageFormat::kJpeg:
      return internal::DecodeJpeg(data, options);
    case ImageFormat::kPng:
      return internal::DecodePng(data, options);
    case ImageFormat::kWebp:
      return internal::DecodeWebp(data, options);
    case ImageFormat::kGif:
      return internal::DecodeGif(data, options);
    case ImageFormat::kUnknown:
      break;
  }
  return Status::Unsupported(
      "not an image in a supported format (JPEG, PNG, WebP or GIF): " +
      (data.empty() ? std::string("no data") : std::to_string(data.size()) + " bytes"));
}

Result<Image> LoadImageFile(const std::string& path, const DecodeOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open image file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(path + ": read failed");
  Result<Image> img = DecodeImage(bytes, options);
  if (!img.ok()) return WithPath(path, img.status());
  return img;
}

}  // namespace inferno::media
