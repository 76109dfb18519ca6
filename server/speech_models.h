// The speech models a server offers: whisper.cpp model files (ggml-tiny.bin ...; the ".bin"
// files under the models dir that start with its magic), named like the GGUF models by their
// path in the dir without ".bin", and loaded on first use. They are kept apart from the chat
// models' registry (server/model_registry.h): they have no scheduler, tokenizer or context, and
// run on the speech worker (server/speech_service.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/audio/whisper_model.h"
#include "engine/util/status.h"
#include "engine/util/thread_annotations.h"

namespace inferno::server {

struct SpeechModelInfo {
  std::string id;
  std::string path;
  uint64_t size_bytes = 0;
  int64_t modified = 0;       // Unix seconds
  std::string size_name;      // "tiny", "base", ... (whisper.cpp's names by encoder depth)
  std::string quant;          // "F16", "Q5_0", ...
  bool multilingual = false;  // English-only models cannot translate or take another language
  bool loaded = false;
  std::string error;  // set when the file is not a usable model
};

// OpenAI's model name for its Whisper: requests naming it get the first speech model.
inline constexpr const char* kOpenAiWhisperName = "whisper-1";

class SpeechModels {
 public:
  // bundled: the speech model shipped with Inferno (cli SpeechModelPath(); "" for none),
  // offered under its file name without ".bin" while the dir has no speech model, as the demo
  // chat model is while it has no model (RegistryOptions::fallback_model): the model of a
  // fresh install, not one more entry beside the user's own.
  explicit SpeechModels(std::string models_dir, std::string bundled = "");

  // Every speech model in the dir, else the bundled one; sorted by id.
  std::vector<SpeechModelInfo> List() EXCLUDES(mu_);

  // The id of the speech model `name` names ("" or whisper-1: the first one). NotFound, naming
  // the model, when there is none (a GGUF chat model's name included).
  Result<std::string> Resolve(const std::string& name) EXCLUDES(mu_);

  // The model with that id, loaded on first use (Corruption and the reader's message for a
  // file that does not load).
  Result<std::shared_ptr<const audio::WhisperModel>> Acquire(const std::string& id) EXCLUDES(mu_);

 private:
  SpeechModelInfo Describe(const std::string& id, const std::string& path) EXCLUDES(mu_);
  // The file of the speech model `name` (an id, or an id + ".bin"): the models dir's, else the
  // bundled one while it is offered; NotFound.
  Result<std::string> PathOf(const std::string& name);
  // Whether there is a bundled model (given, and a whisper.cpp file).
  bool HasBundled() const;
  // Whether the bundled model is offered: there is one, and no speech model in the dir.
  bool BundledOffered();

  const std::string models_dir_;
  const std::string bundled_;
  const std::string bundled_id_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<const audio::WhisperModel>> loaded_ GUARDED_BY(mu_);
  // path -> (modification time, description)
  std::map<std::string, std::pair<int64_t, SpeechModelInfo>> info_cache_ GUARDED_BY(mu_);
};

}  // namespace inferno::server
