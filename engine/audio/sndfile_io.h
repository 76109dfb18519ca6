// libsndfile's virtual I/O over memory, shared by the decoder (reading a span in place) and the
// encoder (writing into a growing vector).
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <span>
#include <vector>

namespace inferno::audio::internal {

// Reads see `data`; when `sink` is set, writes go to it and `data` follows it.
struct SfStream {
  std::span<const uint8_t> data;
  std::vector<uint8_t>* sink = nullptr;
  sf_count_t pos = 0;
};

// The callbacks, to pass with an SfStream* as user data to sf_open_virtual.
SF_VIRTUAL_IO* SfStreamIo();

}  // namespace inferno::audio::internal
