// libFuzzer target for the way images reach the decoders from a request
// (engine/request/image_input.h): the input is an image reference as a client sends it (a data
// URL, bare base64 as Ollama's `images`, any other URL), read without a fetcher as a server
// without --allow-remote-images reads it, then decoded. Any string must give an image within
// the pixel limit or a Status.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "engine/media/image.h"
#include "engine/request/image_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  const std::string ref =
      request::ImageRef(std::string_view(reinterpret_cast<const char*>(data), size));
  Result<std::string> bytes = request::ImageBytes(ref, nullptr);
  if (!bytes.ok()) return 0;
  // As image_fuzz: a lower limit than the default keeps each execution fast.
  const media::DecodeOptions options{.max_pixels = 1u << 20};
  Result<media::Image> img = media::DecodeImage(
      std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()), options);
  if (!img.ok()) return 0;
  const uint64_t pixels = uint64_t(img->width) * uint64_t(img->height);
  if (pixels == 0 || pixels > options.max_pixels || img->rgb.size() != pixels * 3) std::abort();
  return 0;
}
