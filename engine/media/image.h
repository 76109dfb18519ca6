// Decoded images and the entry point that turns encoded bytes (JPEG, PNG, WebP, GIF) into RGB8
// pixels for the vision encoders. Each format has its own file (jpeg_decode.cc, ...); this file
// owns the format sniffing, the pixel limit and the alpha compositing they share.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno::media {

// RGB8, rows top to bottom, no padding: pixel (x, y) starts at rgb[3 * (y * width + x)].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  const uint8_t* Pixel(int x, int y) const { return &rgb[3 * (size_t(y) * width + x)]; }
};

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kGif };

std::string_view ImageFormatName(ImageFormat f);

// The format named by the file's magic bytes (never by its name), kUnknown if none matches.
ImageFormat SniffImageFormat(std::span<const uint8_t> data);

// 32 Mi pixels (e.g. 8192 x 4096, 96 MiB of RGB): far above what any vision encoder looks at
// (they downscale to ~1 MP at most) and low enough that a small file declaring a huge canvas
// (a decompression bomb) is refused from its header, before any pixel buffer is allocated.
inline constexpr uint64_t kDefaultMaxPixels = uint64_t(32) << 20;

struct DecodeOptions {
  uint64_t max_pixels = kDefaultMaxPixels;
};

// Decodes the first (or only) frame. Transparent pixels are composited on white. EXIF
// orientation is not applied (llama.cpp's mtmd, whose output we match, ignores it too).
// Errors: Unsupported for unknown formats or features, Corruption for corrupt or truncated
// data, OutOfRange for images above the pixel limit.
Result<Image> DecodeImage(std::span<const uint8_t> data, const DecodeOptions& options = {});

// Reads and decodes a file; the error names the path.
Result<Image> LoadImageFile(const std::string& path, const DecodeOptions& options = {});

}  // namespace inferno::media
