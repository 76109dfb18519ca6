// Pre-tokenization for byte-level BPE: splits text into words with the regular expressions
// of the model's tokenizer family, before BPE merges run inside each word.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno {

class PreTokenizer {
 public:
  // `name` is tokenizer.ggml.pre ("gpt-2", "llama-bpe", "qwen2", ...; "" or "default" for
  // the generic rules). Unknown names are an error listing the supported ones.
  static Result<std::unique_ptr<PreTokenizer>> Create(std::string_view name);
  ~PreTokenizer();

  // Words of `text` in order; their concatenation is `text`.
  std::vector<std::string_view> Split(std::string_view text) const;

  // Names Create() accepts, comma separated.
  static std::string SupportedNames();

 private:
  PreTokenizer() = default;
  struct Regex;
  std::vector<std::unique_ptr<Regex>> regexes_;  // applied one after another
};

}  // namespace inferno
