// libFuzzer target for the image decoders (engine/media): any byte string must decode to a
// well-formed image or fail with a Status, within the pixel limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "engine/media/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  using namespace inferno::media;
  // A lower limit than the default keeps each execution fast; the check itself is the same.
  const DecodeOptions options{.max_pixels = 1u << 20};
  Result<Image> img = DecodeImage(std::span<const uint8_t>(data, size), options);
  if (!img.ok()) return 0;
  const uint64_t pixels = uint64_t(img->width) * uint64_t(img->height);
  if (img->width <= 0 || img->height <= 0 || pixels > options.max_pixels ||
      img->rgb.size() != pixels * 3) {
    std::abort();
  }
  volatile uint8_t sink = img->rgb.front() ^ img->rgb.back();
  (void)sink;
  return 0;
}
