// Image preprocessing as llama.cpp's mtmd does it (tools/mtmd/mtmd-image.cpp, its fixed-size
// and dynamic-size preprocessors): the image is scaled to fit the size the encoder sees (its
// square, or for Qwen-VL ImageSizeFor's) with its aspect ratio kept (sizes rounded up), centred
// on a canvas of the projector's pad colour, then normalised per channel. The resize filters
// reproduce mtmd's arithmetic (its own bilinear and bicubic, not Pillow's), so that the pixels
// match.
#pragma once

#include <vector>

#include "engine/media/image.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::vision {

// The resized and padded RGB8 canvas of width x height (before normalisation): what the
// Debugger can show.
media::Image FitTo(const media::Image& img, PixelSize size, ResizeFilter filter,
                   const std::array<uint8_t, 3>& pad_color);

// The encoder's input: width x height pixels, planar (all R, then G, then B, rows top to
// bottom), each (v / 255 - mean) / std.
struct PixelPlanes {
  int width = 0, height = 0;
  std::vector<float> data;
};
PixelPlanes Normalise(const media::Image& canvas, const VisionConfig& c);

// Both steps, for `c`.
PixelPlanes Preprocess(const media::Image& img, const VisionConfig& c);

// mtmd's filters, exposed for the tests.
media::Image ResizeBilinear(const media::Image& src, int width, int height);
media::Image ResizeBicubic(const media::Image& src, int width, int height);

}  // namespace inferno::vision
