#include "engine/audio/transcript_format.h"

#include <gtest/gtest.h>

namespace inferno::audio {
namespace {

Transcript Two() {
  Transcript t;
  t.segments.push_back({0, 512, " Hello there.", {}});
  t.segments.push_back({512, 372345, " And you?", {}});
  return t;
}

TEST(TranscriptFormat, Timestamps) {
  EXPECT_EQ(Timestamp(0, false), "00:00:00.000");
  EXPECT_EQ(Timestamp(372345, true), "01:02:03,450");
}

TEST(TranscriptFormat, LinesSrtVtt) {
  EXPECT_EQ(FormatLines(Two()),
            "[00:00:00.000 --> 00:00:05.120]   Hello there.\n"
            "[00:00:05.120 --> 01:02:03.450]   And you?\n");
  EXPECT_EQ(FormatSrt(Two()),
            "1\n00:00:00,000 --> 00:00:05,120\nHello there.\n\n"
            "2\n00:00:05,120 --> 01:02:03,450\nAnd you?\n\n");
  EXPECT_EQ(FormatVtt(Two()),
            "WEBVTT\n\n00:00:00.000 --> 00:00:05.120\nHello there.\n\n"
            "00:00:05.120 --> 01:02:03.450\nAnd you?\n\n");
}

// whisper-cli -nt prints the segments' text run together; the cues stay one per segment.
TEST(TranscriptFormat, NoTimestampsIsTextOnOneLine) {
  Transcript t = Two();
  t.no_timestamps = true;
  EXPECT_EQ(FormatLines(t), " Hello there. And you?\n");
  EXPECT_EQ(FormatSrt(t), FormatSrt(Two()));
  t.segments.clear();
  EXPECT_EQ(FormatLines(t), "");
}

}  // namespace
}  // namespace inferno::audio
