// Encoders for the formats DecodeAudio reads, through libsndfile: the tests make their inputs
// with them (each codec's own library writes the stream) and the fuzz seeds come from them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/util/status.h"

namespace inferno::audio {

enum class AudioContainer { kWav16, kWavFloat, kFlac, kOggVorbis, kOggOpus, kMp3 };

// Interleaved samples in [-1, 1] of `channels` channels at `rate` Hz, encoded in memory.
Result<std::vector<uint8_t>> EncodeAudio(std::span<const float> interleaved, int channels, int rate,
                                         AudioContainer container);

}  // namespace inferno::audio
