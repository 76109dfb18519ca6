// The prompt cache's view of images: positions keyed by the image's content, so two prompts
// share a prefix only up to where their images differ; a reused prefix never cuts an image.
#include "engine/runtime/media.h"

#include <gtest/gtest.h>

#include "engine/runtime/prompt_cache.h"

namespace inferno {
namespace {

MediaSpan Span(int first, int n, uint64_t hash) {
  MediaSpan m;
  m.first = first;
  m.n_tokens = n;
  m.content_hash = hash;
  return m;
}

TEST(MediaCacheKey, SameTextDifferentImagesShareOnlyTheTextBefore) {
  const std::vector<int32_t> prompt = {1, 5, 0, 0, 0, 7, 8};
  const std::vector<MediaSpan> a = {Span(2, 3, 111)}, b = {Span(2, 3, 222)};
  const std::vector<int32_t> ka = MediaCacheKey(prompt, a), kb = MediaCacheKey(prompt, b);
  EXPECT_EQ(ReusablePrefix(ka, kb, /*recurrent=*/false), 2);
  EXPECT_EQ(ReusablePrefix(ka, MediaCacheKey(prompt, a), false), 6);  // all but the last token
  for (int i = 2; i < 5; ++i) EXPECT_LT(ka[size_t(i)], 0);            // never a real token id
  EXPECT_NE(ka[2], ka[3]);                                            // each position its own key
}

TEST(MediaCacheKey, PrefixBoundaryBacksOutOfAnImage) {
  const std::vector<MediaSpan> m = {Span(2, 3, 1)};
  EXPECT_EQ(MediaPrefixBoundary(m, 2), 2);
  EXPECT_EQ(MediaPrefixBoundary(m, 4), 2);
  EXPECT_EQ(MediaPrefixBoundary(m, 5), 5);
}

TEST(MediaChunks, TextStopsAtAnImageAndAnImageGoesWhole) {
  const std::vector<MediaSpan> m = {Span(2, 3, 1)};
  EXPECT_EQ(PromptChunkLimit(m, 0, 100), 2);
  EXPECT_EQ(PromptChunkLimit(m, 2, 1), 3);
  EXPECT_EQ(PromptChunkLimit(m, 5, 100), 100);
  EXPECT_FALSE(CheckMediaFits(m, 2).ok());
  EXPECT_TRUE(CheckMediaFits(m, 3).ok());
}

}  // namespace
}  // namespace inferno
