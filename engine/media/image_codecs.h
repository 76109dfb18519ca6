// What the per-format decoders (jpeg_decode.cc, png_decode.cc, webp_decode.cc, gif_decode.cc)
// share with image.cc: their entry points, the header-time size check and alpha compositing.
// Internal to engine/media; callers use DecodeImage (image.h).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/media/image.h"
#include "engine/util/status.h"

namespace inferno::media::internal {

// Called with the dimensions a header declares, before anything of that size is allocated.
Status CheckDimensions(std::string_view format, uint64_t width, uint64_t height,
                       const DecodeOptions& options);

// One straight-alpha RGBA8 pixel composited on white (what a page shows behind it).
inline void BlendOnWhite(const uint8_t* rgba, uint8_t* rgb) {
  const unsigned a = rgba[3];
  for (int c = 0; c < 3; ++c) rgb[c] = uint8_t((rgba[c] * a + 255u * (255u - a) + 127u) / 255u);
}

// RGBA8 rows (width * height * 4 bytes) to the image's RGB8, alpha composited on white.
Image CompositeOnWhite(int width, int height, std::span<const uint8_t> rgba);

Result<Image> DecodeJpeg(std::span<const uint8_t> data, const DecodeOptions& options);
Result<Image> DecodePng(std::span<const uint8_t> data, const DecodeOptions& options);
Result<Image> DecodeWebp(std::span<const uint8_t> data, const DecodeOptions& options);
Result<Image> DecodeGif(std::span<const uint8_t> data, const DecodeOptions& options);

}  // namespace inferno::media::internal
