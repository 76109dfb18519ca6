// The preprocessing on small images whose results can be worked out by hand from mtmd's
// definitions (mtmd-image.cpp); the zoo parity test (tests/vision_parity_test.cc) checks the
// whole chain against mtmd's own embeddings.
#include "engine/vision/preprocess.h"

#include <gtest/gtest.h>

namespace inferno::vision {
namespace {

media::Image Grey(int w, int h, std::vector<uint8_t> values) {
  media::Image img{w, h, {}};
  for (uint8_t v : values) img.rgb.insert(img.rgb.end(), {v, v, v});
  return img;
}

TEST(Preprocess, BilinearMapsCornersToCornersAndTruncates) {
  // x_ratio = (2 - 1) / (3 - 1) = 0.5: samples at 0, 0.5, 1.
  media::Image out = ResizeBilinear(Grey(2, 1, {0, 101}), 3, 1);
  EXPECT_EQ(out.Pixel(0, 0)[0], 0);
  EXPECT_EQ(out.Pixel(1, 0)[0], 50);  // 50.5 truncated
  EXPECT_EQ(out.Pixel(2, 0)[1], 101);
}

TEST(Preprocess, BicubicKeepsASameSizeImage) {
  media::Image src = Grey(3, 2, {0, 80, 255, 7, 9, 200});
  EXPECT_EQ(ResizeBicubic(src, 3, 2).rgb, src.rgb);
}

TEST(Preprocess, BicubicOfAFlatImageIsFlat) {
  media::Image out = ResizeBicubic(Grey(4, 4, std::vector<uint8_t>(16, 77)), 7, 3);
  for (uint8_t v : out.rgb) EXPECT_EQ(v, 77);
}

TEST(Preprocess, TallImageIsCentredOnThePadColour) {
  // 1 x 1000 into 64: scale 0.064, ceil(1 * 0.064) = 1 column, 64 rows, at x = (64 - 1) / 2.
  media::Image tall = Grey(1, 1000, std::vector<uint8_t>(1000, 200));
  media::Image sq = FitTo(tall, {64, 64}, ResizeFilter::kBilinear, {1, 2, 3});
  ASSERT_EQ(sq.width, 64);
  ASSERT_EQ(sq.height, 64);
  for (int y = 0; y < 64; ++y) {
    EXPECT_EQ(sq.Pixel(31, y)[0], 200);
    EXPECT_EQ(sq.Pixel(30, y)[0], 1);
    EXPECT_EQ(sq.Pixel(32, y)[2], 3);
  }
}

TEST(Preprocess, WideImageKeepsItsAspectRatioRoundedUp) {
  // 333 x 77 into 64: scale 64/333, 77 * scale = 14.8 -> 15 rows at y = (64 - 15) / 2 = 24.
  media::Image wide = Grey(333, 77, std::vector<uint8_t>(333 * 77, 9));
  media::Image sq = FitTo(wide, {64, 64}, ResizeFilter::kBicubic, {122, 116, 104});
  EXPECT_EQ(sq.Pixel(10, 23)[0], 122);
  EXPECT_EQ(sq.Pixel(10, 24)[0], 9);
  EXPECT_EQ(sq.Pixel(10, 38)[0], 9);
  EXPECT_EQ(sq.Pixel(10, 39)[1], 116);
}

TEST(Preprocess, NormalisesPerChannelIntoPlanes) {
  VisionConfig c;
  c.image_size = 1;
  c.image_mean = {0.5f, 0.0f, 1.0f};
  c.image_std = {0.5f, 1.0f, 0.5f};
  media::Image px{1, 1, {255, 51, 0}};
  PixelPlanes p = Normalise(px, c);
  ASSERT_EQ(p.data.size(), 3u);
  EXPECT_FLOAT_EQ(p.data[0], 1.0f);   // (1 - 0.5) / 0.5
  EXPECT_FLOAT_EQ(p.data[1], 0.2f);   // 51 / 255
  EXPECT_FLOAT_EQ(p.data[2], -2.0f);  // (0 - 1) / 0.5
}

// Qwen-VL sizes (patch 14, merge 2: multiples of 28, 8..4096 tokens of 28 x 28 pixels), as
// mtmd's calc_size_preserved_ratio gives them.
VisionConfig QwenSizes() {
  VisionConfig c;
  c.projector = Projector::kQwen25Vl;
  c.patch_size = 14;
  c.n_merge = 2;
  c.min_pixels = 8 * 28 * 28;
  c.max_pixels = 4096 * 28 * 28;
  return c;
}

TEST(Preprocess, QwenSizesRoundToMultiplesOfTheMergedPatch) {
  const VisionConfig c = QwenSizes();
  const PixelSize photo = ImageSizeFor(c, 640, 488);  // 22.86 -> 23, 17.43 -> 17 blocks
  EXPECT_EQ(photo.width, 644);
  EXPECT_EQ(photo.height, 476);
  const PixelSize tall = ImageSizeFor(c, 1, 1000);  // at least one block wide
  EXPECT_EQ(tall.width, 28);
  EXPECT_EQ(tall.height, 1008);
  const TokenGrid g = TokenGridFor(c, 333, 77);
  EXPECT_EQ(g.cols, 12);
  EXPECT_EQ(g.rows, 3);
}

TEST(Preprocess, QwenSizesStayWithinTheTokenLimits) {
  const VisionConfig c = QwenSizes();
  const PixelSize big = ImageSizeFor(c, 4000, 3000);  // 12 Mpx: scaled down into 4096 tokens
  EXPECT_LE(int64_t(big.width) * big.height, c.max_pixels);
  EXPECT_EQ(big.width % 28, 0);
  const PixelSize tiny = ImageSizeFor(c, 20, 20);  // 1 token: scaled up to at least 8
  EXPECT_GE(int64_t(tiny.width) * tiny.height, c.min_pixels);
  EXPECT_EQ(tiny.height % 28, 0);
}

}  // namespace
}  // namespace inferno::vision
