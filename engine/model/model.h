// A loaded model: the mapped GGUF file, its validated configuration, bound weights and
// tokenizer. Immutable after Load(), so one Model can serve many sequences at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/model/weights.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/status.h"

namespace inferno {

namespace grammar {
class TokenTrie;
}

class Model {
 public:
  // Maps, validates (container, architecture, tensors, tokenizer) and binds `path`.
  static Result<std::unique_ptr<Model>> Load(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const gguf::File& file() const { return *file_; }
  const ModelConfig& config() const { return config_; }
  const Weights& weights() const { return weights_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // tokenizer.chat_template, empty when the file has none.
  const std::string& chat_template() const { return chat_template_; }
  // Wall time Load() took, in milliseconds.
  double load_ms() const { return load_ms_; }
  // The vocabulary's text tokens as a byte trie, for grammar masks (engine/grammar); built on
  // first use, since most requests have no grammar. Thread-safe.
  std::shared_ptr<const grammar::TokenTrie> token_trie() const;

 private:
  Model() = default;

  std::unique_ptr<gguf::File> file_;
  ModelConfig config_;
  Weights weights_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string chat_template_;
  double load_ms_ = 0;
  mutable std::once_flag trie_once_;
  mutable std::shared_ptr<const grammar::TokenTrie> trie_;
};

}  // namespace inferno
