// The tokenizer of a Hugging Face checkpoint as GGUF metadata (tokenizer.ggml.*): from
// tokenizer.model (SentencePiece → "llama") or tokenizer.json (byte-level BPE → "gpt2"; a
// byte-fallback BPE → "llama" with merge ranks as scores), completed by added_tokens.json,
// tokenizer_config.json (special tokens, add_bos/add_eos, chat template, added tokens),
// config.json (special token ids), generation_config.json (the end-of-turn id) and
// chat_template.jinja (the template when tokenizer_config.json has none).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/util/status.h"

namespace inferno::convert {

// GGUF token types (llama.cpp's llama_token_type).
enum GgufTokenType : int32_t {
  kTokNormal = 1,
  kTokUnknown = 2,
  kTokControl = 3,
  kTokUserDefined = 4,
  kTokUnused = 5,
  kTokByte = 6
};

struct GgufVocab {
  std::string model;  // "llama" (SentencePiece) or "gpt2" (byte-level BPE)
  std::string pre;    // pre-tokenizer name ("default" for SentencePiece)
  std::vector<std::string> tokens;
  std::vector<float> scores;  // SentencePiece only
  std::vector<int32_t> types;
  std::vector<std::string> merges;  // BPE only, "left right"
  int32_t bos = -1, eos = -1, unk = -1, pad = -1;
  int32_t eot = -1;  // end of turn: a second end-of-sequence id in generation_config.json
  std::optional<bool> add_bos, add_eos, add_space_prefix;
  std::string chat_template;

  void WriteTo(gguf::Writer& w) const;
};

struct VocabOptions {
  std::string pre_override;  // --pre: pre-tokenizer name for BPE vocabularies
};

// Loads the vocabulary of checkpoint `dir` and pads it to `n_vocab` entries (the embedding
// rows), as llama.cpp does with "[PAD<id>]" unused tokens.
Result<GgufVocab> LoadVocab(const std::string& dir, const boost::json::object& config,
                            int64_t n_vocab, const VocabOptions& options);

// The llama.cpp pre-tokenizer name for a tokenizer.json pre_tokenizer, or "" if unknown.
std::string DetectPreTokenizer(const boost::json::value& pre_tokenizer);

}  // namespace inferno::convert
