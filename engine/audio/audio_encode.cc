// libsndfile writing into a growable memory buffer (SF_VIRTUAL_IO in write mode).
#include "engine/audio/audio_encode.h"

#include <string>

#include "engine/audio/sndfile_io.h"

namespace inferno::audio {

namespace {

int SndfileFormat(AudioContainer c) {
  switch (c) {
    case AudioContainer::kWav16:
      return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case AudioContainer::kWavFloat:
      return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    case AudioContainer::kFlac:
      return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case AudioContainer::kOggVorbis:
      return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    case AudioContainer::kOggOpus:
      return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    case AudioContainer::kMp3:
      return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  }
  return 0;
}

}  // namespace

Result<std::vector<uint8_t>> EncodeAudio(std::span<const float> interleaved, int channels, int rate,
                                         AudioContainer container) {
  std::vector<uint8_t> bytes;
  internal::SfStream stream{{}, &bytes};
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = SndfileFormat(container);
  SNDFILE* f = sf_open_virtual(internal::SfStreamIo(), SFM_WRITE, &info, &stream);
  if (f == nullptr) {
    return Status::Unsupported(std::string("libsndfile cannot write this format: ") +
                               sf_strerror(nullptr));
  }
  const sf_count_t frames = sf_count_t(interleaved.size() / channels);
  const sf_count_t wrote = sf_writef_float(f, interleaved.data(), frames);
  const int close_err = sf_close(f);
  if (wrote != frames || close_err != 0) {
    return Status::IoError("libsndfile wrote " + std::to_string(wrote) + " of " +
                           std::to_string(frames) + " frames");
  }
  return bytes;
}

}  // namespace inferno::audio
