// Whisper's encoder and decoder on the engine's kernels, computed as whisper.cpp's CPU graphs
// compute them with flash attention off (src/whisper.cpp whisper_build_graph_conv / _encoder /
// _cross / _decoder): convolutions as F16 im2col times the kernel matrix, ggml's F16-table GELU,
// LayerNorm eps 1e-5, attention with F16 keys/values and F16-rounded queries and probabilities
// (ops::GetAttentionF16), decoder self-attention with Q and K both scaled by d^-1/4, cross K
// scaled by d^-1/4 when cached and the scores by d^-1/4, logits through the token embedding.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/audio/whisper_file.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"

namespace inferno::audio {

struct WhisperLinear {
  ops::WeightMatrix w;
  std::vector<float> b;  // empty: no bias (keys)
};

struct WhisperAttention {
  WhisperLinear q, k, v, o;
  std::vector<float> ln_w, ln_b;  // the pre-norm of this sub-layer
};

struct WhisperBlock {
  WhisperAttention self, cross;  // cross only in the decoder
  WhisperLinear mlp0, mlp2;
  std::vector<float> mlp_ln_w, mlp_ln_b;
};

struct WhisperWeights {
  WhisperLinear conv1, conv2;  // [n_state][3 * channels] rows, (channel, tap) columns
  std::vector<float> enc_pos;  // [n_audio_ctx][n_state]
  std::vector<WhisperBlock> enc;
  std::vector<float> enc_ln_w, enc_ln_b;
  std::vector<float> dec_pos;  // [n_text_ctx][n_state]
  ops::WeightMatrix tok_embd;  // [n_vocab][n_state], also the output projection
  std::vector<WhisperBlock> dec;
  std::vector<float> dec_ln_w, dec_ln_b;
};

// Checks and binds every tensor of the file; errors name the tensor and the expected shape.
Status BindWhisper(const WhisperFile& f, WhisperWeights* w);

class WhisperModel {
 public:
  static Result<std::unique_ptr<WhisperModel>> Load(const std::string& path);
  const WhisperFile& file() const { return *file_; }
  const WhisperHparams& hparams() const { return file_->hparams(); }
  const WhisperVocab& vocab() const { return file_->vocab(); }
  const WhisperWeights& weights() const { return w_; }

 private:
  std::unique_ptr<WhisperFile> file_;
  WhisperWeights w_;
};

// The encoder output [n_audio_ctx][n_state] of one 30 s window of log-mel, [n_mels][3000]
// (of which a model with n_audio_ctx below 1500 reads the first 2 * n_audio_ctx frames).
std::vector<float> RunEncoder(ThreadPool& pool, const WhisperModel& m, std::span<const float> mel);

// Decoder state for one 30 s window: the cross-attention K/V computed once from the encoder
// output, and one self-attention cache per sequence (beam search and best-of sampling decode
// several sequences of the same window side by side).
class WhisperDecoder {
 public:
  WhisperDecoder(ThreadPool& pool, const WhisperModel& m, std::span<const float> encoded,
                 int n_seq = 1);

  // Feeds tokens to sequence `seq` at positions n_past(seq) .. + size - 1 and returns the
  // logits [n_vocab] of the last one. Fails when the text context (448) would overflow.
  Result<std::vector<float>> Decode(std::span<const int32_t> tokens, int seq = 0);
  // One token for each of `seqs` at once (their rows share the weight passes); logits
  // [seqs.size()][n_vocab].
  Result<std::vector<float>> DecodeEach(std::span<const int32_t> tokens, std::span<const int> seqs);
  // Sequence j becomes a copy of sequence from[j] (beam search's cache reordering).
  void Reorder(std::span<const int> from);
  // Sequences 1 .. n - 1 become copies of sequence 0 (after the prompt).
  void Fork(int n);
  // Empties every sequence (a new prompt in the same window).
  void Clear();
  int n_seq() const { return int(seqs_.size()); }
  int n_past(int seq = 0) const { return seqs_[seq].n_past; }

 private:
  struct SelfCache {
    std::vector<std::vector<uint16_t>> k, v;  // F16 [layer][pos][state]
    int n_past = 0;
  };
  struct Run {  // consecutive rows of one sequence
    int seq = 0;
    int64_t row = 0, n = 0;
  };
  Result<std::vector<float>> Forward(std::span<const int32_t> tokens, std::span<const Run> runs);
  void SelfAttention(int l, std::span<const Run> runs, const float* h, float* out);
  void Layer(int l, std::span<const Run> runs, int64_t n, float* x);
  ThreadPool& pool_;
  const WhisperModel& m_;
  std::vector<SelfCache> seqs_;
  std::vector<std::vector<uint16_t>> cross_k_, cross_v_;  // F16 [layer][pos][state]
  ops::Activations scratch_;
};

}  // namespace inferno::audio
