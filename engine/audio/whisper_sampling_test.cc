// whisper.cpp's no_timestamps rules on hand-made logits (the whole-transcription behaviour is
// compared with whisper.cpp's in tests/whisper_parity_test.cc): every timestamp token
// suppressed, and a candidate that ends at <|endoftext|> with all its tokens and a whole window.
#include "engine/audio/whisper_sampling.h"

#include <gtest/gtest.h>

namespace inferno::audio::internal {
namespace {

WhisperVocab Multilingual() {
  WhisperVocab v;
  v.SetSize(51865);
  return v;
}

TEST(WhisperSampling, NoTimestampsSuppressesEveryTimestampToken) {
  const WhisperVocab v = Multilingual();
  std::vector<float> raw(size_t(v.n_vocab), 0.0f);
  raw[v.timestamp_begin + 10] = 50;  // a timestamp far likelier than any text token
  Sequence seq;
  seq.tokens.push_back({.id = 100});
  const Distribution with = ProcessLogits(v, raw, 0, seq, 1500);
  EXPECT_EQ(PickBest(v, with, 1).id, v.timestamp_begin + 10);
  const Distribution without = ProcessLogits(v, raw, 0, seq, 1500, true);
  for (int32_t id = v.timestamp_begin; id < v.n_vocab; ++id) ASSERT_EQ(without.probs[id], 0) << id;
  const TokenInfo best = PickBest(v, without, 1);
  EXPECT_LT(best.id, v.eot);
  EXPECT_EQ(best.tid, 0);  // no timestamp is likely: whisper_sample_token leaves tid 0
}

TEST(WhisperSampling, NoTimestampsEndsAtEotWithEveryTokenAndAWholeWindow) {
  const WhisperVocab v = Multilingual();
  Sequence s;
  for (int32_t id : {100, 200, v.eot}) s.tokens.push_back({.id = id});
  Sequence with = s;
  Advance(v, 2, 220, 0, 5000, with);  // no timestamp before EOT: a failure with timestamps
  EXPECT_TRUE(with.failed);
  Advance(v, 2, 220, 0, 5000, s, true);
  EXPECT_FALSE(s.failed);
  EXPECT_TRUE(s.completed);
  EXPECT_EQ(s.result_len, 3);
  EXPECT_EQ(s.seek_delta, kWindow);
}

TEST(WhisperSampling, NoTimestampsStillFailsALoopThatNeverEnds) {
  const WhisperVocab v = Multilingual();
  Sequence s;
  s.tokens.push_back({.id = 100});
  Advance(v, 219, 220, 0, 5000, s, true);
  EXPECT_TRUE(s.failed);
  EXPECT_EQ(s.result_len, 0);
}

}  // namespace
}  // namespace inferno::audio::internal
