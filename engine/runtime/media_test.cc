// The prompt cache's view of images: positions keyed by the image's content, so two prompts
// share a prefix only up to where their images differ; a reused prefix never cuts an image.
#include "engine/runtime/media.h"

#include <gtest/gtest.h>

#include <array>

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
}

TEST(MropePositions, AnImageSitsOnItsGridAndTextResumesAfterItsLongerSide) {
  // Two text tokens, a 3 x 2 image (6 tokens) at 2, text after it: as mtmd positions them, the
  // image at (2, 2 + row, 2 + column) and the text from 2 + max(3, 2) = 5.
  MediaSpan image = Span(2, 6, 1);
  image.grid_cols = 3;
  image.grid_rows = 2;
  image.mrope = true;
  const std::vector<MediaSpan> m = {image};
  std::vector<blocks::MropePosition> p;
  MropePositions(m, 0, 10, &p);
  const std::vector<std::array<int, 3>> want = {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {2, 2, 3},
                                                {2, 2, 4}, {2, 3, 2}, {2, 3, 3}, {2, 3, 4},
                                                {5, 5, 5}, {6, 6, 6}};
  ASSERT_EQ(p.size(), want.size());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ((std::array<int, 3>{p[i].t, p[i].h, p[i].w}), want[i]) << "position " << i;
  }
  // A second image after it starts where the text has got to.
  MediaSpan second = Span(9, 4, 2);
  second.grid_cols = 2;
  second.grid_rows = 2;
  second.mrope = true;
  const std::vector<MediaSpan> two = {image, second};
  EXPECT_EQ(MropePositionAt(two, 12).t, 6);  // 9 - (6 - 3)
  EXPECT_EQ(MropePositionAt(two, 12).h, 7);
  EXPECT_EQ(MropePositionAt(two, 13).t, 8);  // after it: 6 + 2
}

TEST(MropePositions, SpansWithoutAGridAreSequential) {
  // A grid alone (LLaVA's, for the Debugger's picture) does not make positions 2-D.
  MediaSpan llava = Span(1, 4, 1);
  llava.grid_cols = 2;
  llava.grid_rows = 2;
  const std::vector<MediaSpan> m = {llava};
  for (int pos = 0; pos < 8; ++pos) {
    const blocks::MropePosition p = MropePositionAt(m, pos);
    EXPECT_EQ(p.t, pos);
    EXPECT_EQ(p.h, pos);
    EXPECT_EQ(p.w, pos);
  }
}

}  // namespace
}  // namespace inferno
