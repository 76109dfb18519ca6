// Whisper's log-mel spectrogram, computed as whisper.cpp computes it (src/whisper.cpp
// log_mel_spectrogram, itself OpenAI's whisper/audio.py): 16 kHz samples, a periodic Hann window
// of 400 (n_fft), hop 160; the audio is reflect-padded by 200 samples at the front and
// zero-padded by 30 s + 200 samples at the back; power spectrum times the model's mel
// filterbank, log10 with a floor of 1e-10, clamped to (max - 8), then (x + 4) / 4.
#pragma once

#include <span>
#include <vector>

#include "engine/audio/whisper_file.h"
#include "engine/threads/thread_pool.h"

namespace inferno::audio {

inline constexpr int kNFft = 400;
inline constexpr int kHop = 160;
// Frames per 30 s window: the encoder's input length (2 * n_audio_ctx).
inline constexpr int kWindowFrames = 3000;

struct LogMel {
  int n_mel = 0;
  int n_len = 0;      // frames, including the 30 s of padding
  int n_len_org = 0;  // frames that hold audio (whisper.cpp's n_len_org): where decoding stops
  std::vector<float> data;  // [n_mel][n_len]

  float at(int mel, int frame) const { return data[size_t(mel) * n_len + frame]; }
  // The encoder's input for the window starting at `offset` frames: [n_mel][kWindowFrames],
  // zero past the end.
  std::vector<float> Window(int offset) const;
};

LogMel ComputeLogMel(ThreadPool& pool, std::span<const float> samples, const MelFilters& filters);

// |DFT(x)|^2 of a 400-sample real frame at bins 0..200 (exposed for its test).
void PowerSpectrum400(const float* frame, float* power);

}  // namespace inferno::audio
