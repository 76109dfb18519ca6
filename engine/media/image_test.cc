// Decoding checked on files written by each format's own library (image_encode.h) from known
// pixels, on the real photo in ../shared/fixtures/media, and on broken and oversized input.
#include "engine/media/image.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "engine/media/image_encode.h"

namespace inferno::media {
namespace {

const std::string kPhoto = std::string(INFERNO_SHARED_DIR) + "/fixtures/media/photo-1.jpeg";

// Smooth gradients (so that JPEG round trips stay close) with every channel different.
Image Pattern(int w, int h) {
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &img.rgb[3 * (size_t(y) * w + x)];
      p[0] = uint8_t(x * 255 / std::max(1, w - 1));
      p[1] = uint8_t(y * 255 / std::max(1, h - 1));
      p[2] = uint8_t((x + y) * 127 / std::max(1, w + h - 2) + 64);
    }
  }
  return img;
}

RgbaImage WithAlpha(const Image& img) {
  RgbaImage out{img.width, img.height, std::vector<uint8_t>(size_t(img.width) * img.height * 4)};
  for (size_t i = 0; i < size_t(img.width) * img.height; ++i) {
    for (int c = 0; c < 3; ++c) out.rgba[4 * i + c] = img.rgb[3 * i + c];
    out.rgba[4 * i + 3] = uint8_t(i * 37);
  }
  return out;
}

// The expected result of compositing straight alpha on white, computed in floating point.
uint8_t OnWhite(uint8_t c, uint8_t a) { return uint8_t(std::lround(c * a / 255.0 + 255 - a)); }

struct Diff {
  int max = 0;
  double mean = 0;
};
Diff Compare(const Image& a, const Image& b) {
  Diff d;
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    const int e = std::abs(int(a.rgb[i]) - int(b.rgb[i]));
    d.max = std::max(d.max, e);
    d.mean += e;
  }
  d.mean /= double(a.rgb.size());
  return d;
}

// `got` is `rgba` composited on white, each channel within 1 of the exact value.
void ExpectOnWhite(const Image& got, const RgbaImage& rgba) {
  ASSERT_EQ(got.rgb.size(), size_t(rgba.width) * rgba.height * 3);
  for (size_t i = 0; i < size_t(rgba.width) * rgba.height; ++i) {
    for (int c = 0; c < 3; ++c) {
      ASSERT_NEAR(got.rgb[3 * i + c], OnWhite(rgba.rgba[4 * i + c], rgba.rgba[4 * i + 3]), 1) << i;
    }
  }
}

Image MustDecode(const std::vector<uint8_t>& bytes) {
  Result<Image> img = DecodeImage(bytes);
  EXPECT_TRUE(img.ok()) << img.status().message();
  return img.ok() ? *img : Image{};
}

class OddSizes : public testing::TestWithParam<std::pair<int, int>> {};

TEST_P(OddSizes, PngIsExact) {
  Image src = Pattern(GetParam().first, GetParam().second);
  Image got = MustDecode(*EncodePng(src));
  ASSERT_EQ(got.width, src.width);
  ASSERT_EQ(got.height, src.height);
  EXPECT_EQ(got.rgb, src.rgb);
}

TEST_P(OddSizes, PngAlphaIsCompositedOnWhite) {
  Image src = Pattern(GetParam().first, GetParam().second);
  RgbaImage rgba = WithAlpha(src);
  Image got = MustDecode(*EncodePngRgba(rgba));
  ExpectOnWhite(got, rgba);
}

TEST_P(OddSizes, JpegIsClose) {
  Image src = Pattern(GetParam().first, GetParam().second);
  Image got = MustDecode(*EncodeJpeg(src, 95));
  ASSERT_EQ(got.width, src.width);
  ASSERT_EQ(got.height, src.height);
  Diff d = Compare(got, src);
  EXPECT_LE(d.max, 12);
  EXPECT_LT(d.mean, 2.0);
}

TEST_P(OddSizes, WebpLosslessIsExactAndLossyClose) {
  Image src = Pattern(GetParam().first, GetParam().second);
  RgbaImage rgba = WithAlpha(src);
  Image got = MustDecode(*EncodeWebpLossless(rgba));
  ExpectOnWhite(got, rgba);
  Image lossy = MustDecode(*EncodeWebpLossy(src, 95));
  ASSERT_EQ(lossy.width, src.width);
  EXPECT_LT(Compare(lossy, src).mean, 4.0);
}

PaletteImage Stripes(int w, int h, int transparent) {
  PaletteImage img{
      w, h, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50}, {}, transparent};
  img.indices.resize(size_t(w) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) img.indices[size_t(y) * w + x] = uint8_t((x / 3 + y) % 5);
  }
  return img;
}

TEST_P(OddSizes, GifFirstFrameIsExactInterlacedOrNot) {
  for (bool interlace : {false, true}) {
    PaletteImage src = Stripes(GetParam().first, GetParam().second, 4);
    Image got = MustDecode(*EncodeGif(src, interlace));
    ASSERT_EQ(got.width, src.width);
    ASSERT_EQ(got.height, src.height);
    for (size_t i = 0; i < src.indices.size(); ++i) {
      const int k = src.indices[i];
      const uint8_t want[3] = {k == 4 ? uint8_t(255) : src.palette[3 * k],
                               k == 4 ? uint8_t(255) : src.palette[3 * k + 1],
                               k == 4 ? uint8_t(255) : src.palette[3 * k + 2]};
      ASSERT_EQ(got.rgb[3 * i], want[0]) << i << " interlace " << interlace;
      ASSERT_EQ(got.rgb[3 * i + 1], want[1]) << i;
      ASSERT_EQ(got.rgb[3 * i + 2], want[2]) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Image, OddSizes,
                         testing::Values(std::pair{1, 1000}, std::pair{333, 77}, std::pair{1, 1},
                                         std::pair{17, 9}));

TEST(Image, PhotoDecodes) {
  Result<Image> img = LoadImageFile(kPhoto);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->width, 640);
  EXPECT_EQ(img->height, 488);
  // A photograph, not a flat or failed decode: its pixels spread over the range.
  int lo = 255, hi = 0;
  for (uint8_t v : img->rgb) lo = std::min<int>(lo, v), hi = std::max<int>(hi, v);
  EXPECT_LT(lo, 40);
  EXPECT_GT(hi, 215);
}

std::vector<uint8_t> ReadPhoto() {
  FILE* f = std::fopen(kPhoto.c_str(), "rb");
  std::vector<uint8_t> bytes;
  if (f == nullptr) return bytes;
  for (int c; (c = std::fgetc(f)) != EOF;) bytes.push_back(uint8_t(c));
  std::fclose(f);
  return bytes;
}

TEST(Image, SniffsByMagicBytes) {
  Image src = Pattern(5, 4);
  EXPECT_EQ(SniffImageFormat(*EncodePng(src)), ImageFormat::kPng);
  EXPECT_EQ(SniffImageFormat(*EncodeJpeg(src, 80)), ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(*EncodeWebpLossy(src, 80)), ImageFormat::kWebp);
  EXPECT_EQ(SniffImageFormat(*EncodeGif(Stripes(5, 4, -1))), ImageFormat::kGif);
  const std::vector<uint8_t> bmp = {'B', 'M', 0, 0, 0, 0};
  EXPECT_EQ(SniffImageFormat(bmp), ImageFormat::kUnknown);
}

TEST(Image, UnknownAndEmptyInputIsUnsupported) {
  const std::vector<uint8_t> bmp = {'B', 'M', 0, 0, 0, 0};
  EXPECT_EQ(DecodeImage(bmp).status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(DecodeImage({}).status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(LoadImageFile("/nonexistent/x.png").status().code(), Status::Code::kNotFound);
}

std::vector<std::vector<uint8_t>> OneOfEach() {
  Image src = Pattern(333, 77);
  return {ReadPhoto(),
          *EncodePng(src),
          *EncodeJpeg(src, 90),
          *EncodeWebpLossy(src, 80),
          *EncodeWebpLossless(WithAlpha(src)),
          *EncodeGif(Stripes(333, 77, 2))};
}

TEST(Image, TruncatedFilesAreCorrupt) {
  for (const std::vector<uint8_t>& full : OneOfEach()) {
    for (size_t keep : {full.size() / 2, full.size() * 9 / 10, size_t(12), size_t(40)}) {
      std::vector<uint8_t> cut(full.begin(), full.begin() + keep);
      Result<Image> img = DecodeImage(cut);
      ASSERT_FALSE(img.ok()) << ImageFormatName(SniffImageFormat(full)) << " cut at " << keep;
      EXPECT_EQ(img.status().code(), Status::Code::kCorruption) << img.status().message();
    }
  }
}

TEST(Image, PixelLimitIsCheckedForEachFormat) {
  for (const std::vector<uint8_t>& bytes : OneOfEach()) {
    Result<Image> img = DecodeImage(bytes, DecodeOptions{.max_pixels = 20000});
    ASSERT_FALSE(img.ok()) << ImageFormatName(SniffImageFormat(bytes));
    EXPECT_EQ(img.status().code(), Status::Code::kOutOfRange) << img.status().message();
    EXPECT_NE(img.status().message().find("above the limit"), std::string::npos);
  }
}

// Small files that declare a huge canvas: refused from the header (a decoder that allocated
// first would need gigabytes here).
TEST(Image, DecompressionBombsAreRefusedFromTheHeader) {
  std::vector<uint8_t> gif = *EncodeGif(Stripes(2, 2, -1));
  gif[6] = gif[7] = gif[8] = gif[9] = 0xFF;  // logical screen 65535 x 65535
  EXPECT_EQ(DecodeImage(gif).status().code(), Status::Code::kOutOfRange);
  std::vector<uint8_t> jpeg = ReadPhoto();
  for (size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {  // SOF: height, width
      jpeg[i + 5] = jpeg[i + 7] = 0xEF;  // 61440 x 61440 (libjpeg's own cap is 65500)
      jpeg[i + 6] = jpeg[i + 8] = 0x00;
      break;
    }
  }
  Result<Image> img = DecodeImage(jpeg);
  EXPECT_EQ(img.status().code(), Status::Code::kOutOfRange) << img.status().message();
}

// Random corruption must end in an image or an error, never a crash (the fuzz target goes on).
TEST(Image, FlippedBytesNeverCrash) {
  std::mt19937 rng(20);
  for (const std::vector<uint8_t>& full : OneOfEach()) {
    for (int round = 0; round < 40; ++round) {
      std::vector<uint8_t> bytes = full;
      for (int k = 0; k < 8; ++k) bytes[rng() % bytes.size()] ^= uint8_t(1 + rng() % 255);
      Result<Image> img = DecodeImage(bytes);
      if (img.ok()) {
        EXPECT_EQ(img->rgb.size(), size_t(img->width) * img->height * 3);
      }
    }
  }
}

}  // namespace
}  // namespace inferno::media
