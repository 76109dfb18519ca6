// The STFT uses a mixed-radix FFT of our own (halving while the length is even, a direct DFT
// on the odd rest: 400 = 2^4 * 25) in double precision; whisper.cpp's float FFT differs from it
// by rounding only, far below the 1e-4 the parity test allows after the log.
#include "engine/audio/log_mel.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace inferno::audio {

namespace {

using Complex = std::complex<double>;

// Twiddles e^{-2 pi i k / 400}: every sub-transform's length divides 400.
const std::vector<Complex>& Twiddles() {
  static const std::vector<Complex> t = [] {
    std::vector<Complex> v(kNFft);
    for (int k = 0; k < kNFft; ++k) v[k] = std::polar(1.0, -2 * std::numbers::pi * k / kNFft);
    return v;
  }();
  return t;
}

// out[k] = sum_j in[j * stride] e^{-2 pi i j k / n}, k < n; n divides 400.
void Fft(const Complex* in, int n, int stride, Complex* out) {
  const std::vector<Complex>& w = Twiddles();
  const int step = kNFft / n;
  if (n % 2 != 0) {
    for (int k = 0; k < n; ++k) {
      Complex sum = 0;
      for (int j = 0; j < n; ++j) sum += in[j * stride] * w[(j * k % n) * step];
      out[k] = sum;
    }
    return;
  }
  const int half = n / 2;
  Fft(in, half, stride * 2, out);                  // even samples -> out[0, half)
  Fft(in + stride, half, stride * 2, out + half);  // odd samples -> out[half, n)
  for (int k = 0; k < half; ++k) {
    const Complex e = out[k], o = out[k + half] * w[k * step];
    out[k] = e + o;
    out[k + half] = e - o;
  }
}

// torch.hann_window(400, periodic=True).
const std::vector<double>& Hann() {
  static const std::vector<double> h = [] {
    std::vector<double> v(kNFft);
    for (int i = 0; i < kNFft; ++i) v[i] = 0.5 * (1 - std::cos(2 * std::numbers::pi * i / kNFft));
    return v;
  }();
  return h;
}

// [reflection of samples[1..200] | samples | zeros for 30 s + 200].
std::vector<float> Pad(std::span<const float> samples) {
  const int64_t n = int64_t(samples.size()), side = kNFft / 2;
  std::vector<float> padded(size_t(n + 30 * 16000 + 2 * side), 0.0f);
  std::copy(samples.begin(), samples.end(), padded.begin() + side);
  const int64_t n_reflect = std::min<int64_t>(side, std::max<int64_t>(0, n - 1));
  for (int64_t j = 1; j <= n_reflect; ++j) padded[side - j] = samples[j];
  return padded;
}

void MelFrame(const float* frame, const MelFilters& f, float* power, int n_len, float* column) {
  PowerSpectrum400(frame, power);
  for (int m = 0; m < f.n_mel; ++m) {
    const float* row = &f.data[size_t(m) * f.n_fft];
    double sum = 0;
    for (int k = 0; k < f.n_fft; ++k) sum += double(power[k]) * row[k];
    column[size_t(m) * n_len] = float(std::log10(std::max(sum, 1e-10)));
  }
}

void Normalise(std::vector<float>& data) {
  const float floor = *std::max_element(data.begin(), data.end()) - 8.0f;
  for (float& x : data) x = (std::max(x, floor) + 4.0f) / 4.0f;
}

}  // namespace

void PowerSpectrum400(const float* frame, float* power) {
  std::vector<Complex> in(kNFft), out(kNFft);
  for (int i = 0; i < kNFft; ++i) in[i] = frame[i];
  Fft(in.data(), kNFft, 1, out.data());
  for (int k = 0; k <= kNFft / 2; ++k) power[k] = float(std::norm(out[k]));
}

std::vector<float> LogMel::Window(int offset) const {
  std::vector<float> w(size_t(n_mel) * kWindowFrames, 0.0f);
  const int end = std::min(offset + kWindowFrames, n_len);
  for (int m = 0; m < n_mel; ++m) {
    for (int i = std::max(offset, 0); i < end; ++i)
      w[size_t(m) * kWindowFrames + i - offset] = at(m, i);
  }
  return w;
}

LogMel ComputeLogMel(ThreadPool& pool, std::span<const float> samples, const MelFilters& f) {
  const std::vector<float> padded = Pad(samples);
  const int64_t n = int64_t(samples.size());
  LogMel mel;
  mel.n_mel = f.n_mel;
  mel.n_len = int((padded.size() - kNFft) / kHop);
  mel.n_len_org = int(1 + (n + kNFft / 2 - kNFft) / kHop);
  // Frames past the audio and its reflection see only zeros: log10(1e-10) as whisper.cpp
  // writes them without a transform.
  mel.data.assign(size_t(mel.n_mel) * mel.n_len, -10.0f);
  const int n_frames = int(std::min<int64_t>((n + kNFft / 2) / kHop + 1, mel.n_len));
  const std::vector<double>& hann = Hann();
  pool.ParallelFor(n_frames, [&](int64_t begin, int64_t end) {
    std::vector<float> frame(kNFft), power(kNFft / 2 + 1);
    for (int64_t i = begin; i < end; ++i) {
      const float* src = &padded[size_t(i) * kHop];
      for (int j = 0; j < kNFft; ++j) frame[j] = float(hann[j] * src[j]);
      MelFrame(frame.data(), f, power.data(), mel.n_len, &mel.data[size_t(i)]);
    }
  });
  Normalise(mel.data);
  return mel;
}

}  // namespace inferno::audio
