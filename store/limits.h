// What one stored row may hold, in bytes: the same rules for every caller of the store.
#pragma once

#include <cstddef>

namespace inferno::store {

struct Limits {
  static constexpr size_t kTitle = 1000;
  static constexpr size_t kName = 200;            // profile names
  static constexpr size_t kModel = 512;           // model ids (paths inside the models dir)
  static constexpr size_t kContent = 512 * 1024;  // one message, a system prompt
  static constexpr size_t kJson = 64 * 1024;      // serialized settings / metrics
  static constexpr size_t kMessagesPerImport = 100000;
  // A message's images (as files, before base64): each, and how many.
  static constexpr size_t kImage = 8 * 1024 * 1024;
  static constexpr size_t kImagesPerMessage = 8;
};

}  // namespace inferno::store
