// whisper.cpp's model file (ggml-tiny.bin ... ggml-large-v3-turbo.bin, also quantized), read as
// its loader (src/whisper.cpp whisper_model_load) reads it. Little-endian throughout:
//   magic 0x67676d6c ("ggml"), 11 int32 hyper-parameters (WhisperHparams order), ftype carrying
//   the quantization version times 1000;
//   mel filterbank: int32 n_mel, int32 n_fft, n_mel * n_fft float32;
//   vocabulary: int32 count, then per token uint32 length + bytes (the special tokens past the
//   byte-level ones are implied by n_vocab);
//   tensors to the end: int32 n_dims, int32 name length, int32 ggml type, n_dims int32 sizes
//   (fastest first), the name, the raw data (no alignment).
// The file is mapped; tensors point into the mapping. The GGUF form (whisper_gguf.h) opens
// through the same Open and gives the same fields.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno::audio {

struct WhisperHparams {
  int32_t n_vocab = 0;
  int32_t n_audio_ctx = 0;  // encoder positions: 1500 = 30 s at 50 per second
  int32_t n_audio_state = 0;
  int32_t n_audio_head = 0;
  int32_t n_audio_layer = 0;
  int32_t n_text_ctx = 0;  // decoder positions (448)
  int32_t n_text_state = 0;
  int32_t n_text_head = 0;
  int32_t n_text_layer = 0;
  int32_t n_mels = 0;
  int32_t ftype = 0;  // 0 f32, 1 f16, else a quantized ggml ftype (quantization version removed)
  // What is out of range ("" when nothing): sizes 1..2^20, heads dividing the widths, n_vocab at
  // least Whisper's 51864.
  std::string Check() const;
};

// Token ids of whisper.cpp's vocabulary (whisper_vocab): English-only models have 51864 tokens,
// multilingual ones 51865 or more, with one id more for each language past the first 99 (the
// special ids shift with them).
struct WhisperVocab {
  std::vector<std::string> tokens;  // the byte-level tokens stored in the file
  int32_t n_vocab = 0;
  int32_t eot = 50256, sot = 50257, translate = 50357, transcribe = 50358, solm = 50359,
          prev = 50360, nosp = 50361, no_timestamps = 50362, timestamp_begin = 50363;

  bool multilingual() const { return n_vocab >= 51865; }
  // Sets n_vocab and the special ids that follow from it (multilingual models shift them).
  void SetSize(int32_t size);
  int n_languages() const { return n_vocab - 51765 - (multilingual() ? 1 : 0); }
  // The text of a token: its bytes, or whisper.cpp's name for a special one ("[_TT_12]").
  std::string Text(int32_t id) const;
  // Text to ids as whisper.cpp's whisper_tokenize does it (for --prompt): its GPT-2 word
  // pattern, then the longest tokens from the left of each word.
  std::vector<int32_t> Tokenize(const std::string& text) const;
};

struct MelFilters {
  int32_t n_mel = 0;
  int32_t n_fft = 0;        // frequency bins: 1 + 400 / 2
  std::vector<float> data;  // [n_mel][n_fft]
  // "" when the filterbank is n_mels x 201 (n_fft 400), else what is wrong.
  std::string CheckSize(int32_t n_mels) const;
};

class WhisperFile {
 public:
  // A whisper.cpp .bin, or the GGUF form `inferno convert` writes.
  static Result<std::unique_ptr<WhisperFile>> Open(const std::string& path);
  // Parses an in-memory image (either form) that must outlive the result (tests, the fuzzer).
  static Result<std::unique_ptr<WhisperFile>> FromMemory(std::string name,
                                                         std::span<const uint8_t> bytes);
  // Whether the bytes start with whisper.cpp's .bin magic (for `inferno inspect`).
  static bool Sniff(std::span<const uint8_t> head);
  ~WhisperFile();
  WhisperFile(const WhisperFile&) = delete;
  WhisperFile& operator=(const WhisperFile&) = delete;

  const std::string& path() const { return name_; }
  const WhisperHparams& hparams() const { return hp_; }
  const MelFilters& filters() const { return filters_; }
  const WhisperVocab& vocab() const { return vocab_; }
  // Tensors with whisper.cpp's (OpenAI's) names; shape in ggml order, fastest dimension first.
  const std::vector<gguf::TensorInfo>& tensors() const { return tensors_; }
  const gguf::TensorInfo* FindTensor(std::string_view name) const;
  // "tiny", "base", "small", "medium", "large" by encoder depth, as whisper.cpp names them.
  std::string SizeName() const;

 private:
  WhisperFile() = default;
  Status Parse();
  // The GGUF form (whisper_gguf.cc).
  static Result<std::unique_ptr<WhisperFile>> FromGguf(Result<std::unique_ptr<gguf::File>> g);

  std::string name_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  WhisperHparams hp_;
  MelFilters filters_;
  WhisperVocab vocab_;
  std::vector<gguf::TensorInfo> tensors_;
  std::unique_ptr<gguf::File> gguf_;  // the GGUF form's file, which tensors_ point into
};

}  // namespace inferno::audio
