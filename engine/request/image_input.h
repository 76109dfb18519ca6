// The one reader of images sent with a request, for every front end: OpenAI's image_url parts
// and Ollama's `images` both become references in GenerateRequest::images (a data URL, or
// another URL the front end may fetch), and Prepare() reads them here: the data URL's base64
// decoded, anything else handed to the front end's fetcher (none: refused), the bytes decoded
// as an image under the pixel limit (engine/media/image.h). One message per failure, whichever
// wire the image came by.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/media/image.h"
#include "engine/util/status.h"

namespace inferno::request {

// Fetches an image that is not a data URL (the server: http(s) with libcurl when remote images
// are allowed; the CLI: a local file). Returns the file's bytes or an error naming why not.
using ImageFetcher = std::function<Result<std::string>(const std::string& ref)>;

// An image as a client gave it, as GenerateRequest::images holds it: a URL (data:, http:, ...)
// as it is, bare base64 (Ollama's `images`; it has no ':') as a data URL.
std::string ImageRef(std::string_view url_or_base64);

// The bytes a reference names: a data URL decoded (base64 only: images are binary), anything
// else through `fetch`; without one, refused with a message saying how to allow it.
Result<std::string> ImageBytes(const std::string& ref, const ImageFetcher& fetch);

// ImageBytes, then decoded (JPEG, PNG, WebP, GIF's first frame) under the pixel limit.
Result<media::Image> ReadImage(const std::string& ref, const ImageFetcher& fetch);

}  // namespace inferno::request
