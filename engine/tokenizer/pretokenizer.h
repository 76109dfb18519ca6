// Pre-tokenization for byte-level BPE: splits text into words with the regular expressions
// of the model's tokenizer family (tokenizer.ggml.pre), before BPE merges run inside each
// word. The expressions are the published ones in the form llama.cpp applies them, run with
// PCRE2, so that words (and therefore token ids) match the reference implementation.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno {

// Per-family tokenizer behaviour that llama.cpp ties to the pre-tokenizer name.
struct PreTokenizerTraits {
  bool ignore_merges = false;  // a word that is itself a token is emitted without merging
  bool add_bos = false;        // default for add_bos_token when the metadata does not say
  bool clean_spaces = true;    // clean_up_tokenization_spaces when decoding
  bool no_bos = false;         // the family has no BOS token (ChatGLM)
};

class PreTokenizer {
 public:
  // `name` is tokenizer.ggml.pre ("gpt-2", "llama-bpe", "qwen2", ...; "" or "default" for
  // the generic rules). Unknown names are an error listing the supported ones.
  static Result<std::unique_ptr<PreTokenizer>> Create(std::string_view name);
  ~PreTokenizer();

  // Words of `text` in order; their concatenation is `text`. For llama.cpp parity the text
  // should first go through CanonicalUtf8() (Tokenizer::Encode does this); other input is
  // still split safely.
  std::vector<std::string_view> Split(std::string_view text) const;

  const PreTokenizerTraits& traits() const { return traits_; }

  // Names Create() accepts, comma separated.
  static std::string SupportedNames();

 private:
  PreTokenizer() = default;
  struct Regex;
  std::vector<std::unique_ptr<Regex>> regexes_;  // applied one after another
  PreTokenizerTraits traits_;
};

// The text as llama.cpp's byte-level tokenizer sees it: decoded leniently (overlong forms
// and surrogates are accepted and re-encoded canonically) and every byte that cannot start
// or complete a sequence replaced by U+FFFD. Valid UTF-8 is returned unchanged.
std::string CanonicalUtf8(std::string_view text);

}  // namespace inferno
