// --allow-remote-images: the fetcher of image URLs that are not data URLs (OpenAI image_url
// parts), for engine/request/image_input.h. Only http and https, also across redirects (at
// most 3, never to another scheme such as file: or ftp:), within a time and a size limit, so a
// request cannot make the server read local files or hang on a slow host.
#pragma once

#include <cstdint>

#include "engine/request/image_input.h"

namespace inferno::server {

struct ImageFetchLimits {
  uint64_t max_bytes = uint64_t(20) << 20;  // an image file larger than this is refused
  long timeout_seconds = 15;                // the whole transfer, connection included
};

request::ImageFetcher RemoteImageFetcher(const ImageFetchLimits& limits = {});

}  // namespace inferno::server
