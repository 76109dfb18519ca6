// The images of conversation messages (migration 8): kept as their bytes and media type in
// message_images, read back as the data URLs the chat API takes, so that a reloaded
// conversation shows its pictures and can be continued with the same images.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno::store {

// An image as the store keeps it.
struct StoredImage {
  std::string mime;   // image/png, image/jpeg, image/webp or image/gif
  std::string bytes;  // the file, as sent
};

// "data:image/png;base64,..." -> the image; InvalidArgument for anything else (another
// scheme, a media type that is no image we read, bytes whose signature does not match it),
// OutOfRange above Limits::kImage. `what` names the field in messages ("images[0]").
Result<StoredImage> ParseImageDataUrl(std::string_view url, const std::string& what);
std::string ImageDataUrl(const StoredImage& image);

// Every image of one message: count and sizes within the limits, each a data URL as above.
Status CheckImages(const std::vector<std::string>& images);

// Inside the caller's transaction: the message's images in order.
void InsertImages(SQLite::Database& db, int64_t message_id, const std::vector<std::string>& images);
// The message's images as data URLs, in order.
std::vector<std::string> ReadImages(SQLite::Database& db, int64_t message_id);

}  // namespace inferno::store
