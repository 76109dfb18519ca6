#include "engine/request/image_input.h"

#include <gtest/gtest.h>

#include "engine/media/image_encode.h"
#include "engine/util/base64.h"

namespace inferno::request {
namespace {

TEST(ImageInput, DataUrlDecodesToTheBytes) {
  Result<std::string> bytes = ImageBytes("data:image/png;base64,aGVsbG8=", nullptr);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(*bytes, "hello");
}

TEST(ImageInput, BareBase64BecomesADataUrlAndUrlsStayAsGiven) {
  EXPECT_EQ(ImageRef("aGVsbG8="), "data:;base64,aGVsbG8=");
  EXPECT_EQ(ImageRef("https://example.com/a.png"), "https://example.com/a.png");
  EXPECT_EQ(*ImageBytes(ImageRef("aGVsbG8="), nullptr), "hello");
}

TEST(ImageInput, RemoteUrlsAreRefusedWithoutAFetcher) {
  Result<std::string> r = ImageBytes("https://example.com/cat.jpg", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--allow-remote-images"), std::string::npos)
      << r.status().message();
  int calls = 0;
  const ImageFetcher fetch = [&calls](const std::string& url) -> Result<std::string> {
    ++calls;
    return "bytes of " + url;
  };
  EXPECT_EQ(*ImageBytes("https://example.com/cat.jpg", fetch),
            "bytes of https://example.com/cat.jpg");
  EXPECT_EQ(calls, 1);
}

TEST(ImageInput, BadDataUrlsSayWhatIsWrong) {
  auto message = [](const std::string& ref) {
    Result<std::string> r = ImageBytes(ref, nullptr);
    EXPECT_FALSE(r.ok()) << ref;
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(message("data:image/png;base64").find("no ','"), std::string::npos);
  EXPECT_NE(message("data:image/png,rawtext").find("must be base64"), std::string::npos);
  EXPECT_NE(message("data:image/png;base64,@@@@").find("invalid base64"), std::string::npos);
}

TEST(ImageInput, ReadImageDecodesAndRefusesCorruptBytes) {
  media::Image img;
  img.width = 3;
  img.height = 2;
  img.rgb.assign(3 * 2 * 3, 200);
  Result<std::vector<uint8_t>> png = media::EncodePng(img);
  ASSERT_TRUE(png.ok()) << png.status().message();
  Result<media::Image> back = ReadImage("data:image/png;base64," + EncodeBase64(*png), nullptr);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->width, 3);
  EXPECT_EQ(back->height, 2);
  const std::string garbage = EncodeBase64(std::vector<uint8_t>{'n', 'o', 't', ' ', 'a', 'n'});
  Result<media::Image> bad = ReadImage("data:image/png;base64," + garbage, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(ReadImage("data:;base64,", nullptr).ok());  // empty
}

}  // namespace
}  // namespace inferno::request
