// Audio input for the speech models: encoded bytes (WAV, FLAC, MP3, OGG Vorbis/Opus, anything
// Debian's libsndfile reads) decoded to float samples, mixed down to mono and resampled with
// libsoxr to the 16 kHz Whisper listens at. Limits on the input size and on the duration keep a
// small file that declares hours of audio (or an endless stream) from exhausting memory.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::audio {

// Whisper's input rate (whisper.cpp WHISPER_SAMPLE_RATE).
inline constexpr int kSampleRate = 16000;

// 512 MiB of encoded input: an hour of 16-bit stereo 44.1 kHz WAV is ~600 MiB, so WAV files above
// ~50 minutes hit this limit before the duration limit; compressed formats hit the duration one.
inline constexpr uint64_t kDefaultMaxBytes = uint64_t(512) << 20;
// Two hours: long recordings are transcribed in 30 s windows, but every sample is held at once.
inline constexpr double kDefaultMaxSeconds = 2 * 3600;

struct DecodeOptions {
  uint64_t max_bytes = kDefaultMaxBytes;
  double max_seconds = kDefaultMaxSeconds;
  int sample_rate = kSampleRate;  // the output rate
};

// Mono float samples in [-1, 1] at `sample_rate`, and what the input was.
struct Audio {
  int sample_rate = 0;
  std::vector<float> samples;
  int source_rate = 0;
  int source_channels = 0;
  std::string source_format;  // libsndfile's name of the container/codec ("WAV (Microsoft)")

  double seconds() const { return sample_rate > 0 ? double(samples.size()) / sample_rate : 0; }
};

// Decodes and resamples. Errors: InvalidArgument for empty input or no samples, Unsupported for
// data libsndfile does not recognise, Corruption for a decode failure midway, OutOfRange above
// a limit.
Result<Audio> DecodeAudio(std::span<const uint8_t> data, const DecodeOptions& options = {});

// Reads and decodes a file; errors name the path.
Result<Audio> LoadAudioFile(const std::string& path, const DecodeOptions& options = {});

// Mono samples at `from_rate` resampled to `to_rate` with libsoxr's high-quality filter (the
// output has round(n * to_rate / from_rate) samples).
Result<std::vector<float>> Resample(std::span<const float> in, int from_rate, int to_rate);

}  // namespace inferno::audio
