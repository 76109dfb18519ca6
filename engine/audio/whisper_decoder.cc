// The decoder (whisper.cpp's whisper_build_graph_cross + whisper_build_graph_decoder).
#include <cmath>
#include <string>

#include "engine/audio/whisper_layers.h"
#include "engine/audio/whisper_model.h"
#include "engine/model/blocks.h"

namespace inferno::audio {

namespace {

// d^-1/4: whisper.cpp splits the 1/sqrt(d) of the scores between queries and keys.
float QuarterScale(const WhisperHparams& hp) {
  return std::pow(float(hp.n_text_state / hp.n_text_head), -0.25f);
}

}  // namespace

WhisperDecoder::WhisperDecoder(ThreadPool& pool, const WhisperModel& m,
                               std::span<const float> encoded)
    : pool_(pool), m_(m) {
  const WhisperHparams& hp = m.hparams();
  const int64_t n = hp.n_audio_ctx, s = hp.n_text_state;
  std::vector<float> tmp(n * s);
  const size_t layers = m.weights().dec.size();
  cross_k_.resize(layers);
  cross_v_.resize(layers);
  self_k_.assign(layers, std::vector<uint16_t>(size_t(hp.n_text_ctx) * s));
  self_v_.assign(layers, std::vector<uint16_t>(size_t(hp.n_text_ctx) * s));
  for (size_t l = 0; l < layers; ++l) {
    const WhisperAttention& a = m.weights().dec[l].cross;
    internal::Linear(pool, a.k, encoded.data(), n, tmp.data(), scratch_);
    internal::ToF16(tmp.data(), n * s, QuarterScale(hp), &cross_k_[l]);
    internal::Linear(pool, a.v, encoded.data(), n, tmp.data(), scratch_);
    internal::ToF16(tmp.data(), n * s, 1.0f, &cross_v_[l]);
  }
}

void WhisperDecoder::Layer(int l, int64_t n, float* x) {
  const WhisperHparams& hp = m_.hparams();
  const WhisperBlock& B = m_.weights().dec[l];
  const int64_t s = hp.n_text_state;
  const int d = int(s / hp.n_text_head);
  const float qs = QuarterScale(hp);
  std::vector<float> h(n * s), q(n * s), kv(n * s), attn(n * s), ff(n * 4 * s);
  std::vector<uint16_t> f16;
  internal::PreNorm(B.self.ln_w, B.self.ln_b, x, n, s, h.data());
  internal::Linear(pool_, B.self.q, h.data(), n, q.data(), scratch_);
  for (float& v : q) v *= qs;
  internal::Linear(pool_, B.self.k, h.data(), n, kv.data(), scratch_);
  internal::ToF16(kv.data(), n * s, qs, &f16);
  std::copy(f16.begin(), f16.end(), self_k_[l].begin() + int64_t(n_past_) * s);
  internal::Linear(pool_, B.self.v, h.data(), n, kv.data(), scratch_);
  internal::ToF16(kv.data(), n * s, 1.0f, &f16);
  std::copy(f16.begin(), f16.end(), self_v_[l].begin() + int64_t(n_past_) * s);
  internal::Attend(pool_, {.q = q.data(),
                           .n_q = n,
                           .k = self_k_[l].data(),
                           .v = self_v_[l].data(),
                           .n_kv = n_past_ + int(n),
                           .causal = true,
                           .first_pos = n_past_,
                           .n_head = hp.n_text_head,
                           .d = d,
                           .scale = 1.0f,
                           .out = attn.data()});
  internal::Linear(pool_, B.self.o, attn.data(), n, h.data(), scratch_);
  blocks::Add(x, h.data(), n * s);

  internal::PreNorm(B.cross.ln_w, B.cross.ln_b, x, n, s, h.data());
  internal::Linear(pool_, B.cross.q, h.data(), n, q.data(), scratch_);
  internal::Attend(pool_, {.q = q.data(),
                           .n_q = n,
                           .k = cross_k_[l].data(),
                           .v = cross_v_[l].data(),
                           .n_kv = hp.n_audio_ctx,
                           .n_head = hp.n_text_head,
                           .d = d,
                           .scale = qs,
                           .out = attn.data()});
  internal::Linear(pool_, B.cross.o, attn.data(), n, h.data(), scratch_);
  blocks::Add(x, h.data(), n * s);
  internal::FeedForward(pool_, B, n, s, x, h.data(), ff.data(), scratch_);
}

Result<std::vector<float>> WhisperDecoder::Decode(std::span<const int32_t> tokens) {
  const WhisperHparams& hp = m_.hparams();
  const WhisperWeights& w = m_.weights();
  const int64_t n = int64_t(tokens.size()), s = hp.n_text_state;
  if (n == 0 || n_past_ + n > hp.n_text_ctx) {
    return Status::OutOfRange("whisper decoder: " + std::to_string(n_past_ + n) +
                              " tokens exceed the text context of " +
                              std::to_string(hp.n_text_ctx));
  }
  std::vector<float> x(n * s);
  for (int64_t i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= hp.n_vocab) {
      return Status::InvalidArgument("whisper decoder: token " + std::to_string(tokens[i]) +
                                     " is outside the vocabulary");
    }
    ops::DequantizeWeightRow(w.tok_embd, tokens[i], &x[i * s]);
    blocks::Add(&x[i * s], &w.dec_pos[(n_past_ + i) * s], s);
  }
  for (int l = 0; l < int(w.dec.size()); ++l) Layer(l, n, x.data());
  n_past_ += int(n);
  float* last = &x[(n - 1) * s];
  internal::PreNorm(w.dec_ln_w, w.dec_ln_b, last, 1, s, last);
  std::vector<float> logits(hp.n_vocab);
  ops::MatMul(pool_, w.tok_embd, last, 1, logits.data(), scratch_);
  return logits;
}

}  // namespace inferno::audio
