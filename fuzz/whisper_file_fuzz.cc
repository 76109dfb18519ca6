// libFuzzer target for the Whisper model readers (engine/audio): any byte string, as
// whisper.cpp's .bin or as its GGUF form, must either open or fail with a Status; an opened file
// must bind to the model's tensors or fail with one, and its vocabulary must be safe to read and
// to tokenize with (the input's first bytes as the text: whisper.cpp's word pattern on any bytes).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engine/audio/whisper_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  using namespace inferno::audio;
  Result<std::unique_ptr<WhisperFile>> f =
      WhisperFile::FromMemory("fuzz.bin", std::span<const uint8_t>(data, size));
  if (!f.ok()) return 0;
  volatile size_t sink = 0;
  const WhisperVocab& v = (*f)->vocab();
  for (int32_t id = 0; id < v.n_vocab; id += 97) sink = sink + v.Text(id).size();
  const std::string text(reinterpret_cast<const char*>(data), std::min<size_t>(size, 256));
  for (int32_t id : v.Tokenize(text)) sink = sink + size_t(id);
  for (const gguf::TensorInfo& t : (*f)->tensors()) {
    if (t.bytes > 0) sink = sink + t.data[0] + t.data[t.bytes - 1];
  }
  WhisperWeights w;
  (void)BindWhisper(**f, &w);
  return 0;
}
