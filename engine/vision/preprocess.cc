// mtmd's resize filters and padding. The float and double steps follow mtmd-image.cpp's
// img_tool so that each output byte comes out the same (its bilinear truncates, its bicubic
// rounds and clamps).
#include "engine/vision/preprocess.h"

#include <algorithm>
#include <cmath>

namespace inferno::vision {

namespace {

media::Image Blank(int w, int h) {
  return media::Image{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
}

float Lerp(float s, float e, float t) { return s + (e - s) * t; }

// One channel of mtmd's bicubic: the cubic through four samples at offset d (a0 the sample at
// 0, d0/d2/d3 the differences to the samples at -1, +1, +2).
float Cubic(float m1, float p0, float p1, float p2, float d) {
  const float d0 = m1 - p0, d2 = p1 - p0, d3 = p2 - p0, a0 = p0;
  const float a1 = -1.0 / 3 * d0 + d2 - 1.0 / 6 * d3;
  const float a2 = 1.0 / 2 * d0 + 1.0 / 2 * d2;
  const float a3 = -1.0 / 6 * d0 - 1.0 / 2 * d2 + 1.0 / 6 * d3;
  return a0 + a1 * d + a2 * d * d + a3 * d * d * d;
}

}  // namespace

media::Image ResizeBilinear(const media::Image& src, int width, int height) {
  media::Image dst = Blank(width, height);
  const float x_ratio = width > 1 ? float(src.width - 1) / float(width - 1) : 0.0f;
  const float y_ratio = height > 1 ? float(src.height - 1) / float(height - 1) : 0.0f;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const float px = x * x_ratio, py = y * y_ratio;
      const int x0 = std::min(int(px), src.width - 1), y0 = std::min(int(py), src.height - 1);
      const int x1 = std::min(x0 + 1, src.width - 1), y1 = std::min(y0 + 1, src.height - 1);
      const float xf = px - x0, yf = py - y0;
      uint8_t* out = &dst.rgb[3 * (size_t(y) * width + x)];
      for (int c = 0; c < 3; ++c) {
        const float top = Lerp(src.Pixel(x0, y0)[c], src.Pixel(x1, y0)[c], xf);
        const float bottom = Lerp(src.Pixel(x0, y1)[c], src.Pixel(x1, y1)[c], xf);
        out[c] = uint8_t(Lerp(top, bottom, yf));
      }
    }
  }
  return dst;
}

media::Image ResizeBicubic(const media::Image& src, int width, int height) {
  media::Image dst = Blank(width, height);
  const float tx = float(src.width) / float(width), ty = float(src.height) / float(height);
  auto at = [&](int x, int y, int c) -> float {
    return src.Pixel(std::clamp(x, 0, src.width - 1), std::clamp(y, 0, src.height - 1))[c];
  };
  for (int i = 0; i < height; ++i) {
    for (int j = 0; j < width; ++j) {
      const int x = int(tx * j), y = int(ty * i);
      const float dx = tx * j - x, dy = ty * i - y;
      uint8_t* out = &dst.rgb[3 * (size_t(i) * width + j)];
      for (int c = 0; c < 3; ++c) {
        float col[4];
        for (int jj = 0; jj < 4; ++jj) {
          const int yy = y - 1 + jj;
          col[jj] = Cubic(at(x - 1, yy, c), at(x, yy, c), at(x + 1, yy, c), at(x + 2, yy, c), dx);
        }
        const float v = Cubic(col[0], col[1], col[2], col[3], dy);
        out[c] = uint8_t(std::min(std::max(std::round(v), 0.0f), 255.0f));
      }
    }
  }
  return dst;
}

media::Image FitTo(const media::Image& img, PixelSize size, ResizeFilter filter,
                   const std::array<uint8_t, 3>& pad_color) {
  const int W = size.width, H = size.height;
  if (img.width == W && img.height == H) return img;
  const float scale = std::min(float(W) / img.width, float(H) / img.height);
  const int w = std::min(int(std::ceil(img.width * scale)), W);
  const int h = std::min(int(std::ceil(img.height * scale)), H);
  const media::Image resized =
      filter == ResizeFilter::kBilinear ? ResizeBilinear(img, w, h) : ResizeBicubic(img, w, h);
  media::Image out = Blank(W, H);
  for (size_t i = 0; i < size_t(W) * H; ++i) {
    std::copy(pad_color.begin(), pad_color.end(), &out.rgb[3 * i]);
  }
  const int ox = (W - w) / 2, oy = (H - h) / 2;
  for (int y = 0; y < h; ++y) {
    std::copy_n(resized.Pixel(0, y), size_t(w) * 3, &out.rgb[3 * (size_t(y + oy) * W + ox)]);
  }
  return out;
}

PixelPlanes Normalise(const media::Image& canvas, const VisionConfig& c) {
  const size_t n = size_t(canvas.width) * canvas.height;
  PixelPlanes p{canvas.width, canvas.height, std::vector<float>(n * 3)};
  for (size_t i = 0; i < n; ++i) {
    for (int ch = 0; ch < 3; ++ch) {
      const float v = float(canvas.rgb[3 * i + ch]) / 255.0f;
      p.data[ch * n + i] = (v - c.image_mean[ch]) / c.image_std[ch];
    }
  }
  return p;
}

PixelPlanes Preprocess(const media::Image& img, const VisionConfig& c) {
  return Normalise(FitTo(img, ImageSizeFor(c, img.width, img.height), c.resize, c.pad_color), c);
}

}  // namespace inferno::vision
