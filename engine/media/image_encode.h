// Encoders for the formats DecodeImage reads: the tests make their inputs with them (each
// format's own library writes the file, so a decoder is not checked against itself) and the
// fixture tools write the odd-sized images llama.cpp's mtmd reads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/media/image.h"
#include "engine/util/status.h"

namespace inferno::media {

// RGBA8 pixels (straight alpha) for the encoders that keep alpha.
struct RgbaImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;
};

Result<std::vector<uint8_t>> EncodePng(const Image& img);
Result<std::vector<uint8_t>> EncodePngRgba(const RgbaImage& img);
// quality 1..100; 4:4:4 chroma at 90 and above, so that round trips stay close.
Result<std::vector<uint8_t>> EncodeJpeg(const Image& img, int quality);
Result<std::vector<uint8_t>> EncodeWebpLossless(const RgbaImage& img);
Result<std::vector<uint8_t>> EncodeWebpLossy(const Image& img, float quality);

// A palette image: `indices` (width * height) into `palette` (RGB triples, at most 256
// colours); `transparent` is the index drawn as transparent, -1 for none.
struct PaletteImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> palette;
  std::vector<uint8_t> indices;
  int transparent = -1;
};
Result<std::vector<uint8_t>> EncodeGif(const PaletteImage& img, bool interlace = false);

}  // namespace inferno::media
