// Image preprocessing for the fixed-size vision encoders, as llama.cpp's mtmd does it
// (tools/mtmd/mtmd-image.cpp, fixed-size preprocessor): the image is scaled to fit the
// encoder's square with its aspect ratio kept (sizes rounded up), centred on a square of the
// projector's pad colour, then normalised per channel. The resize filters reproduce mtmd's
// arithmetic (its own bilinear and bicubic, not Pillow's), so that the pixels match.
#pragma once

#include <vector>

#include "engine/media/image.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::vision {

// The resized and padded RGB8 square (before normalisation): what the Debugger can show.
media::Image FitToSquare(const media::Image& img, int size, ResizeFilter filter,
                         const std::array<uint8_t, 3>& pad_color);

// The encoder's input: size x size pixels, planar (all R, then G, then B, rows top to bottom),
// each (v / 255 - mean) / std.
struct PixelPlanes {
  int size = 0;
  std::vector<float> data;
};
PixelPlanes Normalise(const media::Image& square, const VisionConfig& c);

// Both steps, for `c`.
PixelPlanes Preprocess(const media::Image& img, const VisionConfig& c);

// mtmd's filters, exposed for the tests.
media::Image ResizeBilinear(const media::Image& src, int width, int height);
media::Image ResizeBicubic(const media::Image& src, int width, int height);

}  // namespace inferno::vision
