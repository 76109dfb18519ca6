#include "store/message_images.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <span>

#include "engine/util/base64.h"
#include "store/fields.h"
#include "store/limits.h"

namespace inferno::store {
namespace {

struct ImageType {
  std::string_view mime;
  std::string_view magic;  // the file's first bytes
  size_t offset = 0;       // where they stand (WebP: "WEBP" after the RIFF size)
};

constexpr std::array<ImageType, 4> kTypes{{
    {"image/png", "\x89PNG\r\n\x1a\n", 0},
    {"image/jpeg", "\xff\xd8\xff", 0},
    {"image/gif", "GIF8", 0},
    {"image/webp", "WEBP", 8},
}};

const ImageType* FindType(std::string_view mime) {
  for (const ImageType& t : kTypes) {
    if (t.mime == mime) return &t;
  }
  return nullptr;
}

bool HasMagic(const ImageType& t, std::string_view bytes) {
  return bytes.size() >= t.offset + t.magic.size() &&
         bytes.substr(t.offset, t.magic.size()) == t.magic;
}

}  // namespace

Result<StoredImage> ParseImageDataUrl(std::string_view url, const std::string& what) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kBase64 = ";base64,";
  const size_t comma = url.find(kBase64);
  if (!url.starts_with(kScheme) || comma == std::string_view::npos) {
    return Status::InvalidArgument(what + " must be a base64 data URL (data:image/png;base64,...)");
  }
  const std::string_view mime = url.substr(kScheme.size(), comma - kScheme.size());
  const ImageType* type = FindType(mime);
  if (type == nullptr) {
    return Status::InvalidArgument(what + " has media type '" + std::string(mime.substr(0, 40)) +
                                   "'; the store keeps image/png, image/jpeg, image/webp and "
                                   "image/gif");
  }
  const std::string_view payload = url.substr(comma + kBase64.size());
  // Checked before decoding: base64 is 4/3 of the bytes.
  if (payload.size() / 4 * 3 > Limits::kImage + 2) {
    return TooLong(what.c_str(), payload.size() / 4 * 3, Limits::kImage);
  }
  Result<std::string> bytes = DecodeBase64(payload);
  if (!bytes.ok()) return Status::InvalidArgument(what + ": " + bytes.status().message());
  if (bytes->size() > Limits::kImage) return TooLong(what.c_str(), bytes->size(), Limits::kImage);
  if (!HasMagic(*type, *bytes)) {
    return Status::InvalidArgument(what + " is not a " + std::string(mime) + " file");
  }
  return StoredImage{std::string(mime), std::move(*bytes)};
}

std::string ImageDataUrl(const StoredImage& image) {
  const auto* data = reinterpret_cast<const uint8_t*>(image.bytes.data());
  return "data:" + image.mime + ";base64," + EncodeBase64(std::span(data, image.bytes.size()));
}

Status CheckImages(const std::vector<std::string>& images) {
  if (images.size() > Limits::kImagesPerMessage) {
    return Status::OutOfRange("a message has " + std::to_string(images.size()) +
                              " images; the limit is " + std::to_string(Limits::kImagesPerMessage));
  }
  for (size_t i = 0; i < images.size(); ++i) {
    Result<StoredImage> image = ParseImageDataUrl(images[i], "images[" + std::to_string(i) + "]");
    if (!image.ok()) return image.status();
  }
  return Status::Ok();
}

void InsertImages(SQLite::Database& db, int64_t message_id,
                  const std::vector<std::string>& images) {
  for (size_t i = 0; i < images.size(); ++i) {
    // Checked by CheckImages before the transaction began.
    Result<StoredImage> image = ParseImageDataUrl(images[i], "image");
    if (!image.ok()) throw std::runtime_error(image.status().message());
    SQLite::Statement q(db,
                        "INSERT INTO message_images (message_id, position, mime, data) "
                        "VALUES (?, ?, ?, ?)");
    q.bind(1, message_id);
    q.bind(2, int64_t(i));
    q.bind(3, image->mime);
    q.bind(4, image->bytes.data(), int(image->bytes.size()));
    q.exec();
  }
}

std::vector<std::string> ReadImages(SQLite::Database& db, int64_t message_id) {
  SQLite::Statement q(db,
                      "SELECT mime, data FROM message_images WHERE message_id = ? "
                      "ORDER BY position");
  q.bind(1, message_id);
  std::vector<std::string> out;
  while (q.executeStep()) {
    const SQLite::Column data = q.getColumn(1);
    StoredImage image{q.getColumn(0).getString(),
                      std::string(static_cast<const char*>(data.getBlob()), data.getBytes())};
    out.push_back(ImageDataUrl(image));
  }
  return out;
}

}  // namespace inferno::store
