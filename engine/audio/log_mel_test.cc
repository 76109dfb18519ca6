// The FFT against a direct DFT, and the spectrogram's framing and normalisation on known
// signals; whisper.cpp's own mel of a real clip is compared in tests/whisper_parity_test.cc.
#include "engine/audio/log_mel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace inferno::audio {
namespace {

TEST(LogMel, PowerSpectrumMatchesDirectDft) {
  std::vector<float> x(kNFft);
  for (int i = 0; i < kNFft; ++i) x[i] = float(std::sin(0.37 * i) + 0.25 * std::cos(1.9 * i * i));
  std::vector<float> power(kNFft / 2 + 1);
  PowerSpectrum400(x.data(), power.data());
  for (int k = 0; k <= kNFft / 2; ++k) {
    double re = 0, im = 0;
    for (int n = 0; n < kNFft; ++n) {
      re += x[n] * std::cos(2 * std::numbers::pi * k * n / kNFft);
      im -= x[n] * std::sin(2 * std::numbers::pi * k * n / kNFft);
    }
    ASSERT_NEAR(power[k], re * re + im * im, 1e-3 * (1 + re * re + im * im)) << k;
  }
}

// One filter per bin 0 and bin 20 (a 800 Hz tone lands in bin 20 = 800 / (16000 / 400)).
MelFilters TwoBins() {
  MelFilters f{2, 201, std::vector<float>(2 * 201, 0.0f)};
  f.data[0] = 1;
  f.data[201 + 20] = 1;
  return f;
}

TEST(LogMel, FramingPaddingAndNormalisation) {
  ThreadPool pool(2);
  const int n = 16000;  // 1 s of an 800 Hz tone
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = 0.5f * float(std::sin(2 * std::numbers::pi * 800 * i / 16000));
  const LogMel mel = ComputeLogMel(pool, x, TwoBins());
  EXPECT_EQ(mel.n_len, (n + 480000) / kHop);
  EXPECT_EQ(mel.n_len_org, 1 + (n + 200 - 400) / kHop);
  // The tone's bin holds the maximum, so it maps to (max + 4) / 4; bin 0 sees almost nothing and
  // is clamped to max - 8, i.e. 2 below; the padding too.
  float top = -100;
  for (int i = 0; i < mel.n_len; ++i) top = std::max(top, mel.at(1, i));
  EXPECT_NEAR(mel.at(1, 50), top, 0.05);
  EXPECT_NEAR(mel.at(0, 50), top - 2, 1e-6);
  EXPECT_NEAR(mel.at(1, mel.n_len - 1), top - 2, 1e-6);
  // Power of a 0.5-amplitude tone under the periodic Hann window: (0.5 * 400 / 4)^2 = 2500.
  EXPECT_NEAR(top, (std::log10(2500.0) + 4) / 4, 0.01);
  const std::vector<float> w = mel.Window(mel.n_len - 10);
  EXPECT_EQ(w.size(), size_t(2 * kWindowFrames));
  EXPECT_EQ(w[9], mel.at(0, mel.n_len - 1));
  EXPECT_EQ(w[10], 0.0f);
}

}  // namespace
}  // namespace inferno::audio
