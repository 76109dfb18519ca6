// The decoder (whisper.cpp's whisper_build_graph_cross + whisper_build_graph_decoder).
#include <algorithm>
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
                               std::span<const float> encoded, int n_seq)
    : pool_(pool), m_(m) {
  const WhisperHparams& hp = m.hparams();
  const int64_t n = hp.n_audio_ctx, s = hp.n_text_state;
  std::vector<float> tmp(n * s);
  const size_t layers = m.weights().dec.size();
  cross_k_.resize(layers);
  cross_v_.resize(layers);
  for (size_t l = 0; l < layers; ++l) {
    const WhisperAttention& a = m.weights().dec[l].cross;
    internal::Linear(pool, a.k, encoded.data(), n, tmp.data(), scratch_);
    internal::ToF16(tmp.data(), n * s, QuarterScale(hp), &cross_k_[l]);
    internal::Linear(pool, a.v, encoded.data(), n, tmp.data(), scratch_);
    internal::ToF16(tmp.data(), n * s, 1.0f, &cross_v_[l]);
  }
  SelfCache empty;
  empty.k.assign(layers, std::vector<uint16_t>(size_t(hp.n_text_ctx) * s));
  empty.v = empty.k;
  seqs_.assign(size_t(std::max(1, n_seq)), empty);
}

void WhisperDecoder::Reorder(std::span<const int> from) {
  const int64_t s = m_.hparams().n_text_state;
  // Only the filled rows of the sequences that change are copied, through a snapshot since a
  // sequence may be both a source and a destination.
  std::vector<std::pair<size_t, SelfCache>> moved;
  for (size_t j = 0; j < from.size(); ++j) {
    if (from[j] == int(j)) continue;
    const SelfCache& src = seqs_[from[j]];
    SelfCache copy;
    copy.n_past = src.n_past;
    for (size_t l = 0; l < src.k.size(); ++l) {
      copy.k.emplace_back(src.k[l].begin(), src.k[l].begin() + src.n_past * s);
      copy.v.emplace_back(src.v[l].begin(), src.v[l].begin() + src.n_past * s);
    }
    moved.emplace_back(j, std::move(copy));
  }
  for (auto& [j, copy] : moved) {
    for (size_t l = 0; l < copy.k.size(); ++l) {
      std::copy(copy.k[l].begin(), copy.k[l].end(), seqs_[j].k[l].begin());
      std::copy(copy.v[l].begin(), copy.v[l].end(), seqs_[j].v[l].begin());
    }
    seqs_[j].n_past = copy.n_past;
  }
}

void WhisperDecoder::Fork(int n) {
  std::vector<int> from(size_t(std::min(n, n_seq())), 0);
  Reorder(from);
}

void WhisperDecoder::Clear() {
  for (SelfCache& c : seqs_) c.n_past = 0;
}

void WhisperDecoder::SelfAttention(int l, std::span<const Run> runs, const float* h, float* out) {
  const WhisperHparams& hp = m_.hparams();
  const WhisperAttention& a = m_.weights().dec[l].self;
  const int64_t s = hp.n_text_state, n = runs.back().row + runs.back().n;
  const float qs = QuarterScale(hp);
  std::vector<float> q(n * s), k(n * s), v(n * s);
  internal::Linear(pool_, a.q, h, n, q.data(), scratch_);
  for (float& x : q) x *= qs;
  internal::Linear(pool_, a.k, h, n, k.data(), scratch_);
  internal::Linear(pool_, a.v, h, n, v.data(), scratch_);
  std::vector<uint16_t> f16;
  for (const Run& r : runs) {
    SelfCache& c = seqs_[r.seq];
    internal::ToF16(&k[r.row * s], r.n * s, qs, &f16);
    std::copy(f16.begin(), f16.end(), c.k[l].begin() + int64_t(c.n_past) * s);
    internal::ToF16(&v[r.row * s], r.n * s, 1.0f, &f16);
    std::copy(f16.begin(), f16.end(), c.v[l].begin() + int64_t(c.n_past) * s);
    internal::Attend(pool_, {.q = &q[r.row * s],
                             .n_q = r.n,
                             .k = c.k[l].data(),
                             .v = c.v[l].data(),
                             .n_kv = c.n_past + int(r.n),
                             .causal = true,
                             .first_pos = c.n_past,
                             .n_head = hp.n_text_head,
                             .d = int(s / hp.n_text_head),
                             .scale = 1.0f,
                             .out = &out[r.row * s]});
  }
}

void WhisperDecoder::Layer(int l, std::span<const Run> runs, int64_t n, float* x) {
  const WhisperHparams& hp = m_.hparams();
  const WhisperBlock& B = m_.weights().dec[l];
  const int64_t s = hp.n_text_state;
  std::vector<float> h(n * s), q(n * s), attn(n * s), ff(n * 4 * s);
  internal::PreNorm(B.self.ln_w, B.self.ln_b, x, n, s, h.data());
  SelfAttention(l, runs, h.data(), attn.data());
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
                           .d = int(s / hp.n_text_head),
                           .scale = QuarterScale(hp),
                           .out = attn.data()});
  internal::Linear(pool_, B.cross.o, attn.data(), n, h.data(), scratch_);
  blocks::Add(x, h.data(), n * s);
  internal::FeedForward(pool_, B, n, s, x, h.data(), ff.data(), scratch_);
}

// Embeds the rows (token + position in its sequence), runs the layers and returns the logits of
// the last row of each run.
Result<std::vector<float>> WhisperDecoder::Forward(std::span<const int32_t> tokens,
                                                   std::span<const Run> runs) {
  const WhisperHparams& hp = m_.hparams();
  const WhisperWeights& w = m_.weights();
  const int64_t n = int64_t(tokens.size()), s = hp.n_text_state;
  std::vector<float> x(n * s);
  for (const Run& r : runs) {
    const int n_past = seqs_[r.seq].n_past;
    if (r.n == 0) return Status::InvalidArgument("whisper decoder: no tokens");
    if (n_past + r.n > hp.n_text_ctx) {
      return Status::OutOfRange("whisper decoder: " + std::to_string(n_past + r.n) +
                                " tokens exceed the text context of " +
                                std::to_string(hp.n_text_ctx));
    }
    for (int64_t i = r.row; i < r.row + r.n; ++i) {
      if (tokens[i] < 0 || tokens[i] >= hp.n_vocab) {
        return Status::InvalidArgument("whisper decoder: token " + std::to_string(tokens[i]) +
                                       " is outside the vocabulary");
      }
      ops::DequantizeWeightRow(w.tok_embd, tokens[i], &x[i * s]);
      blocks::Add(&x[i * s], &w.dec_pos[(n_past + i - r.row) * s], s);
    }
  }
  for (int l = 0; l < int(w.dec.size()); ++l) Layer(l, runs, n, x.data());
  std::vector<float> last(runs.size() * s), logits(runs.size() * hp.n_vocab);
  for (size_t j = 0; j < runs.size(); ++j) {
    seqs_[runs[j].seq].n_past += int(runs[j].n);
    std::copy_n(&x[(runs[j].row + runs[j].n - 1) * s], s, &last[j * s]);
  }
  internal::PreNorm(w.dec_ln_w, w.dec_ln_b, last.data(), int64_t(runs.size()), s, last.data());
  ops::MatMul(pool_, w.tok_embd, last.data(), int64_t(runs.size()), logits.data(), scratch_);
  return logits;
}

Result<std::vector<float>> WhisperDecoder::Decode(std::span<const int32_t> tokens, int seq) {
  if (seq < 0 || seq >= n_seq()) return Status::InvalidArgument("whisper decoder: no sequence");
  const Run run{seq, 0, int64_t(tokens.size())};
  return Forward(tokens, std::span(&run, 1));
}

Result<std::vector<float>> WhisperDecoder::DecodeEach(std::span<const int32_t> tokens,
                                                      std::span<const int> seqs) {
  std::vector<Run> runs;
  for (size_t j = 0; j < seqs.size(); ++j) {
    if (seqs[j] < 0 || seqs[j] >= n_seq()) {
      return Status::InvalidArgument("whisper decoder: no sequence " + std::to_string(seqs[j]));
    }
    runs.push_back({seqs[j], int64_t(j), 1});
  }
  if (runs.empty() || tokens.size() != seqs.size()) {
    return Status::InvalidArgument("whisper decoder: one token per sequence expected");
  }
  return Forward(tokens, runs);
}

}  // namespace inferno::audio
