#include "server/transcription_api.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

audio::TokenInfo Tok(int32_t id, std::string text) {
  audio::TokenInfo t;
  t.id = id;
  t.text = std::move(text);
  return t;
}

TEST(TranscriptionApi, CompressionRatioIsWhispers) {
  // Python: len(t) / len(zlib.compress(t)) for these bytes.
  EXPECT_DOUBLE_EQ(CompressionRatio(" Hello world, hello world, hello world, hello world."), 2.0);
  EXPECT_NEAR(CompressionRatio(" The quick brown fox."), 0.7241379310344828, 1e-12);
  EXPECT_EQ(CompressionRatio(""), 0.0);
}

TEST(TranscriptionApi, WordsShareTheSegmentByTokenLength) {
  audio::WhisperVocab v;  // eot 50256: ids below are text, above are control tokens
  audio::Segment s;
  s.t0 = 100;  // 1 s
  s.t1 = 300;  // 3 s
  s.tokens = {Tok(1, " Hel"), Tok(2, "lo"), Tok(3, " you"), Tok(4, "."), Tok(50400, "[_TT_37]")};
  const std::vector<Word> words = SegmentWords(s, v);
  ASSERT_EQ(words.size(), 2u);
  // 11 bytes of text over 2 s: " Hello" is 6 of them, " you." the other 5.
  EXPECT_EQ(words[0].word, "Hello");
  EXPECT_DOUBLE_EQ(words[0].start, 1.0);
  EXPECT_DOUBLE_EQ(words[0].end, 1.0 + 2.0 * 6 / 11);
  EXPECT_EQ(words[1].word, "you.");
  EXPECT_DOUBLE_EQ(words[1].start, 1.0 + 2.0 * 6 / 11);
  EXPECT_DOUBLE_EQ(words[1].end, 3.0);
}

TEST(TranscriptionApi, FormFieldsAndTheirErrors) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nde\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\nverbose_json\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"
      "--b--\r\n";
  TranscriptionCall call;
  ASSERT_FALSE(ParseTranscriptionCall("multipart/form-data; boundary=b", body, false, &call));
  EXPECT_EQ(call.file, "RIFF");
  EXPECT_EQ(call.language, "de");
  EXPECT_EQ(call.format, TranscriptFormat::kVerboseJson);
  EXPECT_TRUE(call.word_times);
  EXPECT_FALSE(call.segment_times);
  // A translation has no language: the field is not one of its own, and is left alone.
  TranscriptionCall translation;
  ASSERT_FALSE(ParseTranscriptionCall("multipart/form-data; boundary=b", body, true, &translation));
  EXPECT_EQ(translation.language, "");
  std::optional<ApiError> err = ParseTranscriptionCall("application/json", "{}", false, &call);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 400);
}

}  // namespace
}  // namespace inferno::server
