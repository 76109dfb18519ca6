#include "engine/util/base64.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 4648 section 10's vectors.
TEST(Base64, RfcVectorsBothWays) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(EncodeBase64(Bytes(plain)), encoded);
    Result<std::string> back = DecodeBase64(encoded);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, plain);
  }
}

TEST(Base64, UnpaddedAndWrappedInputDecodes) {
  EXPECT_EQ(*DecodeBase64("Zm9vYg"), "foob");
  EXPECT_EQ(*DecodeBase64("Zm9v\r\nYmFy\n"), "foobar");
}

TEST(Base64, BadInputIsAnErrorNamingIt) {
  Result<std::string> bad = DecodeBase64("Zm9v*mFy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'*' at offset 4"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(DecodeBase64("Zm9vY").ok());   // one digit cannot end a group
  EXPECT_FALSE(DecodeBase64("Zg==Zg").ok());  // data after the padding
  EXPECT_FALSE(DecodeBase64("Zg===").ok());   // too much padding
}

}  // namespace
}  // namespace inferno
