#include "cli/inspect_whisper.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>

#include "engine/audio/whisper_model.h"

namespace inferno::cli {

bool IsWhisperFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint8_t head[4] = {};
  return in.read(reinterpret_cast<char*>(head), 4) && audio::WhisperFile::Sniff(head);
}

int InspectWhisper(const std::string& path, bool json) {
  auto f = audio::WhisperFile::Open(path);
  if (!f.ok()) {
    fmt::print(stderr, "error: {}\n", f.status().message());
    return 1;
  }
  const audio::WhisperFile& w = **f;
  const audio::WhisperHparams& hp = w.hparams();
  audio::WhisperWeights weights;
  Status verdict = w.tensors().empty()
                       ? Status::InvalidArgument(path + ": no tensors (an empty test model)")
                       : audio::BindWhisper(w, &weights);
  std::map<std::string, int> types;
  int64_t params = 0;
  for (const gguf::TensorInfo& t : w.tensors()) {
    ++types[std::string(DTypeName(t.type))];
    params += t.n_elements;
  }
  if (json) {
    boost::json::object types_json;
    for (const auto& [name, n] : types) types_json[name] = n;
    fmt::print("{}\n", boost::json::serialize(
                           boost::json::object{{"format", "whisper.cpp"},
                                               {"kind", "speech"},
                                               {"size", w.SizeName()},
                                               {"multilingual", w.vocab().multilingual()},
                                               {"n_vocab", hp.n_vocab},
                                               {"n_mels", hp.n_mels},
                                               {"n_state", hp.n_audio_state},
                                               {"n_head", hp.n_audio_head},
                                               {"n_audio_layer", hp.n_audio_layer},
                                               {"n_text_layer", hp.n_text_layer},
                                               {"parameters", params},
                                               {"tensor_types", types_json},
                                               {"valid", verdict.ok()}}));
  } else {
    fmt::print("format:       whisper.cpp (speech to text), Whisper {}{}\n", w.SizeName(),
               w.vocab().multilingual() ? ", multilingual" : ", English only");
    fmt::print("audio:        {} mels, {} positions, {} wide, {} heads, {} layers\n", hp.n_mels,
               hp.n_audio_ctx, hp.n_audio_state, hp.n_audio_head, hp.n_audio_layer);
    fmt::print("text:         {} tokens, {} positions, {} layers\n", hp.n_vocab, hp.n_text_ctx,
               hp.n_text_layer);
    fmt::print("parameters:   {} in {} tensors:", params, w.tensors().size());
    for (const auto& [name, n] : types) fmt::print(" {} {}", n, name);
    fmt::print("\nverdict:      {}\n", verdict.ok() ? "valid" : "INVALID");
  }
  if (!verdict.ok()) fmt::print(stderr, "error: {}\n", verdict.message());
  return verdict.ok() ? 0 : 1;
}

}  // namespace inferno::cli
