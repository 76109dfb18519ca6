#include "store/message_images.h"

#include <gtest/gtest.h>

#include <span>

#include "engine/util/base64.h"
#include "store/limits.h"

namespace inferno::store {
namespace {

std::string DataUrl(std::string_view mime, std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  return "data:" + std::string(mime) + ";base64," + EncodeBase64(std::span(p, bytes.size()));
}

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "rest of a png";
const std::string kJpeg = "\xff\xd8\xff\xe0 a jpeg";

TEST(ImageDataUrl, ParsesTheTypesTheEngineReadsAndRoundTrips) {
  Result<StoredImage> png = ParseImageDataUrl(DataUrl("image/png", kPng), "images[0]");
  ASSERT_TRUE(png.ok()) << png.status().message();
  EXPECT_EQ(png->mime, "image/png");
  EXPECT_EQ(png->bytes, kPng);
  EXPECT_EQ(ImageDataUrl(*png), DataUrl("image/png", kPng));
  const std::string webp("RIFF\x10\0\0\0WEBPVP8 ", 16);  // the size field holds NULs
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/webp", webp), "x").ok());
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/gif", "GIF89a..."), "x").ok());
}

TEST(ImageDataUrl, RefusesWhatIsNoImageNamingTheField) {
  Result<StoredImage> r = ParseImageDataUrl("https://example.com/a.png", "images[1]");
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("images[1] must be a base64 data URL"), std::string::npos);
  r = ParseImageDataUrl(DataUrl("text/plain", "hello"), "images[0]");
  EXPECT_NE(r.status().message().find("media type 'text/plain'"), std::string::npos);
  // A JPEG's bytes sent as a PNG.
  r = ParseImageDataUrl(DataUrl("image/png", kJpeg), "images[0]");
  EXPECT_NE(r.status().message().find("is not a image/png file"), std::string::npos);
  r = ParseImageDataUrl("data:image/png;base64,iVB*", "images[0]");
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

TEST(ImageDataUrl, SizeAndCountLimits) {
  std::string big = kPng;
  big.resize(Limits::kImage + 1, 'x');
  Result<StoredImage> r = ParseImageDataUrl(DataUrl("image/png", big), "images[0]");
  EXPECT_EQ(r.status().code(), Status::Code::kOutOfRange);
  big.resize(Limits::kImage);
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/png", big), "images[0]").ok());
  std::vector<std::string> many(Limits::kImagesPerMessage + 1, DataUrl("image/png", kPng));
  EXPECT_EQ(CheckImages(many).code(), Status::Code::kOutOfRange);
  many.pop_back();
  EXPECT_TRUE(CheckImages(many).ok());
}

}  // namespace
}  // namespace inferno::store
