// Decoding through libsndfile's virtual I/O (the bytes stay in memory), down-mixing, the limits
// and resampling through libsoxr.
#include "engine/audio/audio.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "engine/audio/sndfile_io.h"

namespace inferno::audio {

namespace {

std::string FormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) != 0 || !info.name) {
    return "unknown";
  }
  std::string name = info.name;
  info.format = format & SF_FORMAT_SUBMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) == 0 && info.name) {
    name += std::string(", ") + info.name;
  }
  return name;
}

Status TooLong(double seconds, const DecodeOptions& options) {
  return Status::OutOfRange("audio is longer than the limit of " +
                            std::to_string(int64_t(options.max_seconds)) + " s (at least " +
                            std::to_string(int64_t(seconds)) + " s)");
}

// Reads every frame, averaging the channels, and stops at the duration limit.
Status ReadMono(SNDFILE* f, const SF_INFO& info, const DecodeOptions& options,
                std::vector<float>* mono) {
  const int ch = info.channels;
  const double max_frames = options.max_seconds * info.samplerate;
  std::vector<float> buf(size_t(4096) * ch);
  for (;;) {
    const sf_count_t got = sf_readf_float(f, buf.data(), 4096);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      float sum = 0;
      for (int c = 0; c < ch; ++c) sum += buf[size_t(i) * ch + c];
      mono->push_back(sum / float(ch));
    }
    if (double(mono->size()) > max_frames) {
      return TooLong(double(mono->size()) / info.samplerate, options);
    }
  }
  if (sf_error(f) != SF_ERR_NO_ERROR) {
    return Status::Corruption("audio decoding failed after " + std::to_string(mono->size()) +
                              " frames: " + sf_strerror(f));
  }
  // Decoders may hand out NaN or huge values for damaged frames; Whisper's log-mel expects audio.
  for (float& s : *mono) s = std::isfinite(s) ? std::clamp(s, -1.0f, 1.0f) : 0.0f;
  return Status::Ok();
}

Status CheckHeader(const SF_INFO& info, const DecodeOptions& options) {
  if (info.channels <= 0 || info.channels > 64 || info.samplerate < 1000 ||
      info.samplerate > 768000) {
    return Status::Corruption("audio header declares " + std::to_string(info.channels) +
                              " channels at " + std::to_string(info.samplerate) +
                              " Hz (expected 1..64 channels, 1 kHz..768 kHz)");
  }
  // frames is exact for PCM containers and an estimate (or unknown) for compressed streams, so
  // it only refuses early here; ReadMono enforces the limit on what is really decoded.
  const double declared = double(info.frames) / info.samplerate;
  if (info.frames > 0 && info.frames != SF_COUNT_MAX && declared > options.max_seconds) {
    return TooLong(declared, options);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<float>> Resample(std::span<const float> in, int from_rate, int to_rate) {
  if (from_rate == to_rate) return std::vector<float>(in.begin(), in.end());
  if (from_rate <= 0 || to_rate <= 0) {
    return Status::InvalidArgument("resample: rates must be positive");
  }
  const size_t out_len = size_t(std::llround(double(in.size()) * to_rate / from_rate));
  std::vector<float> out(out_len);
  size_t done = 0;
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, in.data(), in.size(), nullptr, out.data(),
                                  out.size(), &done, nullptr, &quality, nullptr);
  if (err) return Status::InvalidArgument(std::string("resample: ") + err);
  out.resize(done);
  return out;
}

Result<Audio> DecodeAudio(std::span<const uint8_t> data, const DecodeOptions& options) {
  if (data.empty()) return Status::InvalidArgument("audio is empty (0 bytes)");
  if (data.size() > options.max_bytes) {
    return Status::OutOfRange("audio is " + std::to_string(data.size()) +
                              " bytes, above the limit of " + std::to_string(options.max_bytes));
  }
  internal::SfStream stream{data};
  SF_INFO info{};
  SNDFILE* f = sf_open_virtual(internal::SfStreamIo(), SFM_READ, &info, &stream);
  if (f == nullptr) {
    return Status::Unsupported(std::string("audio format not recognised or unsupported: ") +
                               sf_strerror(nullptr));
  }
  Audio audio;
  audio.source_rate = info.samplerate;
  audio.source_channels = info.channels;
  audio.source_format = FormatName(info.format);
  std::vector<float> mono;
  Status st = CheckHeader(info, options);
  if (st.ok()) st = ReadMono(f, info, options, &mono);
  sf_close(f);
  INFERNO_RETURN_IF_ERROR(st);
  if (mono.empty()) return Status::InvalidArgument("audio has no samples (zero length)");
  Result<std::vector<float>> resampled = Resample(mono, info.samplerate, options.sample_rate);
  if (!resampled.ok()) return resampled.status();
  audio.sample_rate = options.sample_rate;
  audio.samples = std::move(*resampled);
  return audio;
}

Result<Audio> LoadAudioFile(const std::string& path, const DecodeOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open audio file");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size >= 0 && uint64_t(size) > options.max_bytes) {
    return Status::OutOfRange(path + ": audio is " + std::to_string(size) +
                              " bytes, above the limit of " + std::to_string(options.max_bytes));
  }
  in.seekg(0);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  Result<Audio> audio = DecodeAudio(bytes, options);
  if (!audio.ok()) return Prefixed(path, audio.status());
  return audio;
}

}  // namespace inferno::audio
