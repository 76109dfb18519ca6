#include "server/body_limits.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

TEST(BodyLimits, OnlyThePostsThatTakeImagesGetTheLargerLimit) {
  EXPECT_TRUE(TakesImages("POST", "/v1/chat/completions"));
  EXPECT_TRUE(TakesImages("POST", "/chat?x=1"));
  EXPECT_TRUE(TakesImages("POST", "/api/chat"));
  EXPECT_TRUE(TakesImages("POST", "/api/generate"));
  EXPECT_TRUE(TakesImages("POST", "/api/conversations/12/messages"));
  EXPECT_TRUE(TakesImages("POST", "/api/conversations/import"));
  EXPECT_FALSE(TakesImages("GET", "/v1/chat/completions"));
  EXPECT_FALSE(TakesImages("PUT", "/api/chat"));
  EXPECT_FALSE(TakesImages("POST", "/v1/completions"));
  EXPECT_FALSE(TakesImages("POST", "/v1/chat/completions/x"));
  EXPECT_FALSE(TakesImages("POST", "/api/conversations"));
  EXPECT_FALSE(TakesImages("POST", "/api/conversations//messages"));
  EXPECT_FALSE(TakesImages("POST", "/api/conversations/1/2/messages"));
  EXPECT_FALSE(TakesImages("POST", "/api/tools/call"));
  EXPECT_FALSE(TakesImages("POST", "/v1/embeddings"));
}

TEST(BodyLimits, TheImageLimitNeverLowersTheGeneralOne) {
  EXPECT_EQ(BodyLimitFor("POST", "/api/chat", 1 << 20, 20 << 20), size_t(20 << 20));
  EXPECT_EQ(BodyLimitFor("POST", "/tokenize", 1 << 20, 20 << 20), size_t(1 << 20));
  EXPECT_EQ(BodyLimitFor("POST", "/api/chat", 64 << 20, 20 << 20), size_t(64 << 20));
  EXPECT_EQ(BodyLimitFor("POST", "/v1/audio/transcriptions", 1 << 20, 20 << 20), kAudioBodyLimit);
  EXPECT_EQ(BodyLimitFor("POST", "/v1/audio/translations?x", 1 << 20, 20 << 20), kAudioBodyLimit);
  EXPECT_EQ(BodyLimitFor("GET", "/v1/audio/translations", 1 << 20, 20 << 20), size_t(1 << 20));
  EXPECT_EQ(BodyLimitFor("POST", "/v1/audio/speech", 1 << 20, 20 << 20), size_t(1 << 20));
}

}  // namespace
}  // namespace inferno::server
