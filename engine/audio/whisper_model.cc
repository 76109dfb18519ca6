// Binding whisper.cpp's tensors (OpenAI's checkpoint names) and the encoder.
#include "engine/audio/whisper_model.h"

#include <cmath>
#include <string>

#include "engine/audio/whisper_layers.h"
#include "engine/model/blocks.h"
#include "engine/tensor/dequant.h"

namespace inferno::audio {

namespace {

// Keeps the first binding error so the declarations below read as a plain list.
class Binder {
 public:
  explicit Binder(const WhisperFile& f) : f_(f) {}
  const Status& status() const { return status_; }

  void Matrix(const std::string& name, int64_t cols, int64_t rows, ops::WeightMatrix* out) {
    const gguf::TensorInfo* t = Find(name, {cols, rows});
    if (t) *out = ops::WeightMatrix{t->type, rows, cols, t->data, RowBytes(t->type, cols)};
  }
  // Matrices whose ggml shape has more dimensions ({3, channels, state} for the convolutions).
  void Matrix(const std::string& name, std::vector<int64_t> shape, ops::WeightMatrix* out) {
    const gguf::TensorInfo* t = Find(name, shape);
    if (!t) return;
    const int64_t rows = shape.back(), cols = t->n_elements / rows;
    *out = ops::WeightMatrix{t->type, rows, cols, t->data, RowBytes(t->type, cols)};
  }
  void Vector(const std::string& name, std::vector<int64_t> shape, std::vector<float>* out) {
    const gguf::TensorInfo* t = Find(name, shape);
    if (!t) return;
    out->resize(size_t(t->n_elements));
    DequantizeRow(t->type, t->data, out->data(), t->n_elements);
  }
  void Linear(const std::string& p, int64_t cols, int64_t rows, WhisperLinear* l, bool bias) {
    Matrix(p + ".weight", cols, rows, &l->w);
    if (bias) Vector(p + ".bias", {rows}, &l->b);
  }

 private:
  const gguf::TensorInfo* Find(const std::string& name, const std::vector<int64_t>& shape) {
    if (!status_.ok()) return nullptr;
    const gguf::TensorInfo* t = f_.FindTensor(name);
    std::string want;
    for (int64_t d : shape) want += (want.empty() ? "" : " x ") + std::to_string(d);
    if (t == nullptr) {
      status_ = Status::InvalidArgument(f_.path() + ": tensor '" + name + "' is missing (" + want +
                                        " expected)");
    } else if (t->shape != shape) {
      status_ = Status::InvalidArgument(f_.path() + ": tensor '" + name + "' must have shape " +
                                        want + " (ggml order)");
    }
    return status_.ok() ? t : nullptr;
  }
  const WhisperFile& f_;
  Status status_;
};

void BindAttention(Binder& b, const std::string& p, int64_t s, WhisperAttention* a) {
  b.Linear(p + ".query", s, s, &a->q, true);
  b.Linear(p + ".key", s, s, &a->k, false);
  b.Linear(p + ".value", s, s, &a->v, true);
  b.Linear(p + ".out", s, s, &a->o, true);
  b.Vector(p + "_ln.weight", {s}, &a->ln_w);
  b.Vector(p + "_ln.bias", {s}, &a->ln_b);
}

void BindBlock(Binder& b, const std::string& p, int64_t s, bool cross, WhisperBlock* B) {
  BindAttention(b, p + "attn", s, &B->self);
  if (cross) BindAttention(b, p + "cross_attn", s, &B->cross);
  b.Linear(p + "mlp.0", s, 4 * s, &B->mlp0, true);
  b.Linear(p + "mlp.2", 4 * s, s, &B->mlp2, true);
  b.Vector(p + "mlp_ln.weight", {s}, &B->mlp_ln_w);
  b.Vector(p + "mlp_ln.bias", {s}, &B->mlp_ln_b);
}

// Columns (channel, tap) of a kernel-3, padding-1 convolution over x [n_in][channels] (time
// major) for the output positions t = 0 .. n_in / stride - 1, reading x[stride * t + tap - 1].
std::vector<float> Im2Col(const float* x, int64_t n_in, int64_t channels, int stride) {
  const int64_t n_out = n_in / stride;
  std::vector<float> cols(size_t(n_out * channels * 3), 0.0f);
  for (int64_t t = 0; t < n_out; ++t) {
    float* row = &cols[size_t(t * channels * 3)];
    for (int tap = 0; tap < 3; ++tap) {
      const int64_t src = stride * t + tap - 1;
      if (src < 0 || src >= n_in) continue;
      for (int64_t c = 0; c < channels; ++c) row[c * 3 + tap] = x[src * channels + c];
    }
  }
  return cols;
}

void EncoderLayer(ThreadPool& pool, const WhisperBlock& B, const WhisperHparams& hp, float* x,
                  ops::Activations& scratch) {
  const int64_t n = hp.n_audio_ctx, s = hp.n_audio_state;
  std::vector<float> h(n * s), q(n * s), kv(n * s), attn(n * s), ff(n * 4 * s);
  std::vector<uint16_t> k16, v16;
  internal::PreNorm(B.self.ln_w, B.self.ln_b, x, n, s, h.data());
  internal::Linear(pool, B.self.q, h.data(), n, q.data(), scratch);
  internal::Linear(pool, B.self.k, h.data(), n, kv.data(), scratch);
  internal::ToF16(kv.data(), n * s, 1.0f, &k16);
  internal::Linear(pool, B.self.v, h.data(), n, kv.data(), scratch);
  internal::ToF16(kv.data(), n * s, 1.0f, &v16);
  const int d = int(s / hp.n_audio_head);
  internal::Attend(pool, {.q = q.data(),
                          .n_q = n,
                          .k = k16.data(),
                          .v = v16.data(),
                          .n_kv = int(n),
                          .n_head = hp.n_audio_head,
                          .d = d,
                          .scale = 1.0f / std::sqrt(float(d)),
                          .out = attn.data()});
  internal::Linear(pool, B.self.o, attn.data(), n, h.data(), scratch);
  blocks::Add(x, h.data(), n * s);
  internal::FeedForward(pool, B, n, s, x, h.data(), ff.data(), scratch);
}

}  // namespace

Status BindWhisper(const WhisperFile& f, WhisperWeights* w) {
  const WhisperHparams& hp = f.hparams();
  if (hp.n_audio_state != hp.n_text_state) {
    return Status::InvalidArgument(f.path() + ": n_audio_state and n_text_state differ");
  }
  const int64_t s = hp.n_audio_state;
  Binder b(f);
  b.Matrix("encoder.conv1.weight", {3, hp.n_mels, s}, &w->conv1.w);
  b.Vector("encoder.conv1.bias", {1, s}, &w->conv1.b);
  b.Matrix("encoder.conv2.weight", {3, s, s}, &w->conv2.w);
  b.Vector("encoder.conv2.bias", {1, s}, &w->conv2.b);
  b.Vector("encoder.positional_embedding", {s, hp.n_audio_ctx}, &w->enc_pos);
  w->enc.resize(hp.n_audio_layer);
  for (int l = 0; l < hp.n_audio_layer; ++l) {
    BindBlock(b, "encoder.blocks." + std::to_string(l) + ".", s, false, &w->enc[l]);
  }
  b.Vector("encoder.ln_post.weight", {s}, &w->enc_ln_w);
  b.Vector("encoder.ln_post.bias", {s}, &w->enc_ln_b);
  b.Vector("decoder.positional_embedding", {s, hp.n_text_ctx}, &w->dec_pos);
  b.Matrix("decoder.token_embedding.weight", s, hp.n_vocab, &w->tok_embd);
  w->dec.resize(hp.n_text_layer);
  for (int l = 0; l < hp.n_text_layer; ++l) {
    BindBlock(b, "decoder.blocks." + std::to_string(l) + ".", s, true, &w->dec[l]);
  }
  b.Vector("decoder.ln.weight", {s}, &w->dec_ln_w);
  b.Vector("decoder.ln.bias", {s}, &w->dec_ln_b);
  return b.status();
}

Result<std::unique_ptr<WhisperModel>> WhisperModel::Load(const std::string& path) {
  Result<std::unique_ptr<WhisperFile>> f = WhisperFile::Open(path);
  if (!f.ok()) return f.status();
  auto m = std::make_unique<WhisperModel>();
  m->file_ = std::move(*f);
  if (m->file_->tensors().empty()) {
    return Status::InvalidArgument(path + ": the file has no tensors (an empty test model)");
  }
  INFERNO_RETURN_IF_ERROR(BindWhisper(*m->file_, &m->w_));
  return m;
}

std::vector<float> RunEncoder(ThreadPool& pool, const WhisperModel& m, std::span<const float> mel) {
  const WhisperHparams& hp = m.hparams();
  const WhisperWeights& w = m.weights();
  const int64_t frames = 2 * int64_t(hp.n_audio_ctx), s = hp.n_audio_state;
  ops::Activations scratch;
  // mel is [n_mels][3000]; the convolution reads its first 2 * n_audio_ctx frames (all of them
  // but for a model with a shorter window, as whisper.cpp does) time major.
  const int64_t stride = int64_t(mel.size()) / hp.n_mels;
  std::vector<float> t_major(frames * hp.n_mels);
  for (int64_t c = 0; c < hp.n_mels; ++c) {
    for (int64_t t = 0; t < frames; ++t) t_major[t * hp.n_mels + c] = mel[c * stride + t];
  }
  std::vector<float> h1(frames * s), x(hp.n_audio_ctx * s);
  std::vector<float> cols = Im2Col(t_major.data(), frames, hp.n_mels, 1);
  internal::Linear(pool, w.conv1, cols.data(), frames, h1.data(), scratch);
  blocks::Gelu(h1.data(), frames * s);
  cols = Im2Col(h1.data(), frames, s, 2);
  internal::Linear(pool, w.conv2, cols.data(), hp.n_audio_ctx, x.data(), scratch);
  blocks::Gelu(x.data(), hp.n_audio_ctx * s);
  blocks::Add(x.data(), w.enc_pos.data(), hp.n_audio_ctx * s);
  for (const WhisperBlock& B : w.enc) EncoderLayer(pool, B, hp, x.data(), scratch);
  internal::PreNorm(w.enc_ln_w, w.enc_ln_b, x.data(), hp.n_audio_ctx, s, x.data());
  return x;
}

}  // namespace inferno::audio
