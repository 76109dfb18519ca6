#include "engine/audio/whisper_gguf.h"

#include <cstring>

#include "engine/gguf/gguf_writer.h"
#include "engine/tokenizer/byte_level.h"

namespace inferno::audio {

namespace {

// The int32 hyper-parameters and their keys, in the .bin's order (ftype apart).
struct HparamKey {
  const char* key;
  int32_t WhisperHparams::*field;
};

constexpr HparamKey kHparamKeys[] = {
    {"whisper.vocab_size", &WhisperHparams::n_vocab},
    {"whisper.audio.context_length", &WhisperHparams::n_audio_ctx},
    {"whisper.audio.embedding_length", &WhisperHparams::n_audio_state},
    {"whisper.audio.head_count", &WhisperHparams::n_audio_head},
    {"whisper.audio.block_count", &WhisperHparams::n_audio_layer},
    {"whisper.text.context_length", &WhisperHparams::n_text_ctx},
    {"whisper.text.embedding_length", &WhisperHparams::n_text_state},
    {"whisper.text.head_count", &WhisperHparams::n_text_head},
    {"whisper.text.block_count", &WhisperHparams::n_text_layer},
    {"whisper.audio.mel_count", &WhisperHparams::n_mels},
    {"general.file_type", &WhisperHparams::ftype},
};

Status ReadHparams(const gguf::File& g, WhisperHparams* hp) {
  for (const HparamKey& k : kHparamKeys) {
    Result<uint64_t> v = g.GetUint(k.key);
    if (!v.ok()) return v.status();
    if (*v > (1u << 30)) return Status::Corruption(g.path() + ": " + k.key + " out of range");
    hp->*k.field = int32_t(*v);
  }
  if (const std::string bad = hp->Check(); !bad.empty()) {
    return Status::Corruption(g.path() + ": " + bad);
  }
  return Status::Ok();
}

}  // namespace

Status ReadWhisperGgufHeader(const gguf::File& g, WhisperHparams* hp, MelFilters* filters,
                             WhisperVocab* vocab) {
  Result<std::string> arch = g.GetString("general.architecture");
  if (!arch.ok() || *arch != kWhisperArch) {
    return Status::InvalidArgument(g.path() + ": not a Whisper GGUF (general.architecture is '" +
                                   (arch.ok() ? *arch : std::string()) + "')");
  }
  INFERNO_RETURN_IF_ERROR(ReadHparams(g, hp));
  Result<std::vector<float>> mel = g.GetFloatArray("whisper.mel_filters");
  if (!mel.ok()) return mel.status();
  *filters = {.n_mel = hp->n_mels, .n_fft = 201, .data = std::move(*mel)};
  if (filters->data.size() != size_t(hp->n_mels) * 201) {
    return Status::Corruption(g.path() + ": whisper.mel_filters holds " +
                              std::to_string(filters->data.size()) + " values (expected " +
                              std::to_string(hp->n_mels) + " x 201)");
  }
  Result<std::vector<std::string_view>> tokens = g.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() > size_t(hp->n_vocab)) {
    return Status::Corruption(g.path() + ": " + std::to_string(tokens->size()) +
                              " tokens for n_vocab " + std::to_string(hp->n_vocab));
  }
  vocab->tokens.clear();
  for (std::string_view t : *tokens) vocab->tokens.push_back(ByteLevelDecode(t));
  vocab->SetSize(hp->n_vocab);
  return Status::Ok();
}

Result<std::unique_ptr<WhisperFile>> WhisperFile::FromGguf(Result<std::unique_ptr<gguf::File>> g) {
  if (!g.ok()) return g.status();
  std::unique_ptr<WhisperFile> f(new WhisperFile());
  f->name_ = (*g)->path();
  INFERNO_RETURN_IF_ERROR(ReadWhisperGgufHeader(**g, &f->hp_, &f->filters_, &f->vocab_));
  f->tensors_ = (*g)->tensors();
  f->gguf_ = std::move(*g);
  return f;
}

Status WriteWhisperGguf(const WhisperFile& f, const std::string& path) {
  gguf::Writer w;
  w.AddString("general.architecture", kWhisperArch);
  w.AddString("general.name", "whisper-" + f.SizeName());
  for (const HparamKey& k : kHparamKeys) w.AddU32(k.key, uint32_t(f.hparams().*k.field));
  w.AddF32Array("whisper.mel_filters", f.filters().data);
  w.AddString("tokenizer.ggml.model", kWhisperArch);
  std::vector<std::string> tokens;
  for (const std::string& t : f.vocab().tokens) tokens.push_back(ByteLevelEncode(t));
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  for (const gguf::TensorInfo& t : f.tensors()) {
    w.DeclareTensor(std::string(t.name), t.type, t.shape);
  }
  return w.WriteStreaming(path, [&](size_t i, std::vector<uint8_t>* data) {
    const gguf::TensorInfo& t = f.tensors()[i];
    data->assign(t.data, t.data + t.bytes);
    return Status::Ok();
  });
}

}  // namespace inferno::audio
