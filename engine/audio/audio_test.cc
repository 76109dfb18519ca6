// Decoding checked on streams each codec's own library wrote (audio_encode.h) from a known tone,
// on the real speech clip in ../shared/fixtures/media, and on broken, empty and oversized input.
#include "engine/audio/audio.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "engine/audio/audio_encode.h"

namespace inferno::audio {
namespace {

const std::string kSpeech = std::string(INFERNO_SHARED_DIR) + "/fixtures/media/speech-1.mp3";

// `seconds` of a `freq` Hz sine of amplitude 0.5 on the first channel, `right` times it on a
// second one when channels == 2.
std::vector<float> Tone(int rate, double seconds, double freq, int channels, float right = 1) {
  const size_t n = size_t(rate * seconds);
  std::vector<float> out(n * channels);
  for (size_t i = 0; i < n; ++i) {
    const float s = 0.5f * float(std::sin(2 * std::numbers::pi * freq * double(i) / rate));
    out[i * channels] = s;
    if (channels == 2) out[i * channels + 1] = right * s;
  }
  return out;
}

// Amplitude of the `freq` Hz component of x at `rate` (a single DFT bin).
double Amplitude(const std::vector<float>& x, int rate, double freq) {
  double re = 0, im = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = 2 * std::numbers::pi * freq * double(i) / rate;
    re += x[i] * std::cos(t);
    im += x[i] * std::sin(t);
  }
  return 2 * std::hypot(re, im) / double(x.size());
}

struct Case {
  AudioContainer container;
  int rate;
  const char* name;
};

class CodecTest : public ::testing::TestWithParam<Case> {};

TEST_P(CodecTest, ToneSurvivesDecodeAndResample) {
  const Case c = GetParam();
  Result<std::vector<uint8_t>> bytes =
      EncodeAudio(Tone(c.rate, 1.0, 440, 2), 2, c.rate, c.container);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  Result<Audio> a = DecodeAudio(*bytes);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->sample_rate, kSampleRate);
  EXPECT_EQ(a->source_rate, c.rate);
  EXPECT_EQ(a->source_channels, 2);
  // Lossy codecs add priming/padding frames; a few tens of ms at most.
  EXPECT_NEAR(a->seconds(), 1.0, 0.08) << a->source_format;
  EXPECT_NEAR(Amplitude(a->samples, kSampleRate, 440), 0.5, 0.05) << a->source_format;
  EXPECT_LT(Amplitude(a->samples, kSampleRate, 1000), 0.01) << a->source_format;
}

INSTANTIATE_TEST_SUITE_P(Formats, CodecTest,
                         ::testing::Values(Case{AudioContainer::kWav16, 44100, "wav"},
                                           Case{AudioContainer::kWavFloat, 22050, "wav_float"},
                                           Case{AudioContainer::kFlac, 8000, "flac"},
                                           Case{AudioContainer::kOggVorbis, 44100, "vorbis"},
                                           Case{AudioContainer::kOggOpus, 48000, "opus"},
                                           Case{AudioContainer::kMp3, 44100, "mp3"}),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return std::string(i.param.name);
                         });

TEST(Audio, LosslessSamplesMatchTheToneAfterResampling) {
  Result<std::vector<uint8_t>> bytes =
      EncodeAudio(Tone(48000, 0.5, 300, 1), 1, 48000, AudioContainer::kWavFloat);
  ASSERT_TRUE(bytes.ok());
  Result<Audio> a = DecodeAudio(*bytes);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->samples.size(), 8000u);
  const std::vector<float> want = Tone(kSampleRate, 0.5, 300, 1);
  // Away from the edges, where the resampling filter sees the zeros outside the clip.
  for (size_t i = 200; i < 7800; ++i) ASSERT_NEAR(a->samples[i], want[i], 2e-3) << i;
}

TEST(Audio, StereoIsAveragedToMono) {
  Result<std::vector<uint8_t>> bytes =
      EncodeAudio(Tone(16000, 0.5, 440, 2, 0.0f), 2, 16000, AudioContainer::kWavFloat);
  ASSERT_TRUE(bytes.ok());
  Result<Audio> a = DecodeAudio(*bytes);
  ASSERT_TRUE(a.ok());
  const std::vector<float> left = Tone(16000, 0.5, 440, 1);
  ASSERT_EQ(a->samples.size(), left.size());
  for (size_t i = 0; i < left.size(); ++i) ASSERT_FLOAT_EQ(a->samples[i], 0.5f * left[i]);
}

TEST(Audio, RealSpeechClip) {
  Result<Audio> a = LoadAudioFile(kSpeech);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->source_rate, 44100);
  EXPECT_EQ(a->source_channels, 1);
  EXPECT_NEAR(a->seconds(), 17.5, 1.0);
  float peak = 0;
  for (float s : a->samples) peak = std::max(peak, std::abs(s));
  EXPECT_GT(peak, 0.1f);
}

TEST(Audio, EmptyAndGarbageAreRefused) {
  EXPECT_EQ(DecodeAudio({}).status().code(), Status::Code::kInvalidArgument);
  const std::vector<uint8_t> junk(1000, 0x5a);
  Result<Audio> a = DecodeAudio(junk);
  EXPECT_EQ(a.status().code(), Status::Code::kUnsupported) << a.status().message();
}

TEST(Audio, ZeroLengthAudioIsRefused) {
  Result<std::vector<uint8_t>> bytes = EncodeAudio({}, 1, 16000, AudioContainer::kWav16);
  ASSERT_TRUE(bytes.ok());
  Result<Audio> a = DecodeAudio(*bytes);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("no samples"), std::string::npos) << a.status().message();
}

TEST(Audio, TruncatedFileDecodesWhatIsThereOrFails) {
  Result<std::vector<uint8_t>> bytes =
      EncodeAudio(Tone(16000, 1.0, 440, 1), 1, 16000, AudioContainer::kFlac);
  ASSERT_TRUE(bytes.ok());
  for (size_t keep : {size_t(10), size_t(40), bytes->size() / 2}) {
    Result<Audio> a = DecodeAudio(std::span(bytes->data(), keep));
    if (a.ok()) {
      EXPECT_LT(a->seconds(), 1.0) << keep;
    } else {
      EXPECT_FALSE(a.status().message().empty());
    }
  }
  // Only the header: nothing to decode.
  EXPECT_FALSE(DecodeAudio(std::span(bytes->data(), 10)).ok());
}

TEST(Audio, LimitsOnDurationAndSize) {
  Result<std::vector<uint8_t>> wav =
      EncodeAudio(Tone(16000, 2.0, 440, 1), 1, 16000, AudioContainer::kWav16);
  Result<std::vector<uint8_t>> mp3 =
      EncodeAudio(Tone(44100, 2.0, 440, 1), 1, 44100, AudioContainer::kMp3);
  ASSERT_TRUE(wav.ok() && mp3.ok());
  for (const auto* bytes : {&*wav, &*mp3}) {
    Result<Audio> a = DecodeAudio(*bytes, {.max_seconds = 1.0});
    EXPECT_EQ(a.status().code(), Status::Code::kOutOfRange);
    EXPECT_NE(a.status().message().find("limit of 1 s"), std::string::npos) << a.status().message();
  }
  Result<Audio> big = DecodeAudio(*wav, {.max_bytes = 100});
  EXPECT_EQ(big.status().code(), Status::Code::kOutOfRange);
  EXPECT_TRUE(DecodeAudio(*wav, {.max_seconds = 3.0}).ok());
}

TEST(Audio, MissingFileNamesThePath) {
  Result<Audio> a = LoadAudioFile("/nonexistent/clip.wav");
  EXPECT_EQ(a.status().code(), Status::Code::kNotFound);
  EXPECT_NE(a.status().message().find("/nonexistent/clip.wav"), std::string::npos);
}

TEST(Audio, ResampleKeepsDuration) {
  const std::vector<float> x = Tone(8000, 1.0, 100, 1);
  Result<std::vector<float>> y = Resample(x, 8000, 16000);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->size(), 16000u);
  EXPECT_NEAR(Amplitude(*y, 16000, 100), 0.5, 0.01);
  EXPECT_FALSE(Resample(x, 0, 16000).ok());
}

}  // namespace
}  // namespace inferno::audio
