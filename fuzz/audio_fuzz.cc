// libFuzzer target for the audio decoding entry point (engine/audio): any byte string must decode
// to mono 16 kHz samples in [-1, 1] within the duration limit, or fail with a Status.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "engine/audio/audio.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  using namespace inferno::audio;
  // A short limit keeps each execution fast; the check itself is the same.
  const DecodeOptions options{.max_seconds = 5};
  Result<Audio> a = DecodeAudio(std::span<const uint8_t>(data, size), options);
  if (!a.ok()) return 0;
  // The resampler's output may run a filter length past the limit, never more.
  if (a->samples.empty() || a->sample_rate != kSampleRate || a->seconds() > 5.1) std::abort();
  for (float s : a->samples) {
    if (!std::isfinite(s) || std::abs(s) > 1.5f) std::abort();
  }
  return 0;
}
