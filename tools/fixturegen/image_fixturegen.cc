// image_fixturegen: the generated test images of the vision parity zoo (tools/zoo/vision.sh),
// odd sizes that exercise the preprocessing's aspect-preserving resize and padding, written as
// PNG (lossless, so that llama.cpp's stb_image and our decoder see the same pixels).
//
// usage: image_fixturegen WIDTH HEIGHT OUT.png
//
// The picture: smooth colour gradients, a bright disc and a dark diagonal band, so that the
// patches differ from each other and from the padding colour.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/media/image.h"
#include "engine/media/image_encode.h"

namespace inferno::media {
namespace {

Image Picture(int w, int h) {
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  const float cx = 0.6f * w, cy = 0.4f * h, r = 0.3f * std::min(w, h) + 1;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float u = (x + 0.5f) / w, v = (y + 0.5f) / h;
      float rgb[3] = {255 * u, 255 * v, 255 * (1 - u) * (1 - v) + 40};
      if (std::hypot(x - cx, y - cy) < r) rgb[0] = 250, rgb[1] = 230, rgb[2] = 60;
      if (std::fabs(u - v) < 0.08f) rgb[0] *= 0.2f, rgb[1] *= 0.2f, rgb[2] *= 0.2f;
      uint8_t* p = &img.rgb[3 * (size_t(y) * w + x)];
      for (int c = 0; c < 3; ++c) p[c] = uint8_t(std::clamp(rgb[c], 0.0f, 255.0f));
    }
  }
  return img;
}

int Run(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: image_fixturegen WIDTH HEIGHT OUT.png\n");
    return 2;
  }
  const int w = std::atoi(argv[1]), h = std::atoi(argv[2]);
  if (w <= 0 || h <= 0 || int64_t(w) * h > (int64_t(1) << 24)) {
    std::fprintf(stderr, "image_fixturegen: bad size %sx%s\n", argv[1], argv[2]);
    return 2;
  }
  Result<std::vector<uint8_t>> png = EncodePng(Picture(w, h));
  std::FILE* f = png.ok() ? std::fopen(argv[3], "wb") : nullptr;
  if (f == nullptr || std::fwrite(png->data(), 1, png->size(), f) != png->size()) {
    std::fprintf(stderr, "image_fixturegen: cannot write %s\n", argv[3]);
    return 1;
  }
  std::fclose(f);
  return 0;
}

}  // namespace
}  // namespace inferno::media

int main(int argc, char** argv) { return inferno::media::Run(argc, argv); }
