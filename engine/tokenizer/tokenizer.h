// Text ↔ token ids, as the model's GGUF metadata defines them. Three algorithms:
// SentencePiece-style BPE ("llama": Llama 2, Mistral, Gemma, Phi-3), byte-level BPE
// ("gpt2": Llama 3, Qwen2, DeepSeek, GPT-2, ...) with the pre-tokenizer named by
// tokenizer.ggml.pre, and WordPiece ("bert": BERT-style sentence encoders, wordpiece.h). Behaviour
// follows llama.cpp's tokenizer so that prompts become the same ids as in the reference
// implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/tokenizer/wordpiece.h"
#include "engine/util/status.h"

namespace inferno {

enum class TokenType {
  kUndefined = 0,  // token_type values the format does not define; such tokens have no text
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6
};

class PreTokenizer;

class Tokenizer {
 public:
  enum class Model { kSentencePiece, kByteLevelBpe, kWordPiece };

  // Reads tokenizer.ggml.* metadata. An unknown model or pre-tokenizer is an error that
  // lists the supported ones.
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const gguf::File& file);
  ~Tokenizer();

  // add_special: BOS (and EOS) as the metadata asks; WordPiece always wraps the text in its
  // [CLS] (bos) and [SEP] tokens, as llama.cpp does. parse_special: control tokens written
  // in the text (e.g. "<|im_start|>") become their ids instead of being spelled out;
  // user-defined tokens are recognised either way (as in llama.cpp and Hugging Face).
  std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes of one token, as llama.cpp's token_to_piece(special=true): byte tokens give
  // their byte, "▁" becomes a space, byte-level tokens are mapped back to bytes, control,
  // unknown and user-defined tokens give their text, unused tokens nothing. May be part of
  // a UTF-8 character.
  std::string TokenToPiece(int32_t id) const;
  // Text of a sequence for display: control and unknown tokens are left out, the space
  // SentencePiece put in front of the text is removed, the tokenizer's
  // clean_up_tokenization_spaces rules are applied (as llama.cpp's detokenize), and broken
  // UTF-8 is repaired with U+FFFD.
  std::string Decode(std::span<const int32_t> ids) const;

  Model model() const { return model_; }
  const std::string& pre() const { return pre_; }
  int32_t n_vocab() const { return int32_t(tokens_.size()); }
  std::string_view TokenText(int32_t id) const { return tokens_[id]; }
  // Type after llama.cpp's adjustments (end-of-turn and FIM tokens are forced to kControl).
  TokenType type(int32_t id) const { return types_[id]; }
  float score(int32_t id) const { return scores_[id]; }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  int32_t eot() const { return eot_; }
  int32_t unk() const { return unk_; }
  int32_t pad() const { return pad_; }
  int32_t sep() const { return sep_; }
  // Fill-in-the-middle tokens (prefix, suffix, middle), -1 when the vocabulary has none.
  int32_t fim_pre() const { return fim_pre_; }
  int32_t fim_suf() const { return fim_suf_; }
  int32_t fim_mid() const { return fim_mid_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  // eos, eot, eom, FIM pad/repo/file-separator tokens, and tokens such as <|im_end|>,
  // <|eot_id|>, <end_of_turn>, <|end|>, <|endoftext|> when the vocabulary has them.
  bool IsEndOfGeneration(int32_t id) const;
  const std::vector<int32_t>& end_of_generation_ids() const { return eog_; }
  std::optional<int32_t> FindToken(std::string_view text) const;

 private:
  // Hash/equality that let maps keyed by std::string be searched with a string_view.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;
  enum Strip : uint8_t { kStripNone = 0, kStripLeft = 1, kStripRight = 2 };

  Tokenizer() = default;
  Status Init(const gguf::File& file);
  // Init's steps: the token texts, scores and types; the byte-level BPE pre-tokenizer and merges;
  // the special tokens' ids (then which end generation, then the whitespace stripping around
  // them); the pieces the decoder prints.
  Status InitVocabulary(const gguf::File& file);
  Status InitByteLevelBpe(const gguf::File& file);
  Status InitSpecialTokens(const gguf::File& file);
  void InitEndOfGeneration(std::vector<int32_t>& fim);
  void InitStripping(const gguf::File& file);
  void InitPieces();
  // Splits text into raw-text fragments and special-token ids (longest special first).
  struct Fragment {
    std::string_view text;  // empty when id >= 0
    int32_t id = -1;
  };
  std::vector<Fragment> SplitSpecial(std::string_view text, bool parse_special) const;
  void EncodeSentencePiece(std::string_view text, std::vector<int32_t>* out) const;
  void EncodeByteLevel(std::string_view text, std::vector<int32_t>* out) const;
  void EncodeWordPiece(std::string_view text, std::vector<int32_t>* out) const;  // wordpiece.cc
  Status InitWordPiece(const gguf::File& file);
  void EncodeWord(std::string_view word, std::vector<int32_t>* out) const;
  int32_t ByteToken(uint8_t byte) const;
  int32_t Lookup(std::string_view text) const {
    auto it = token_ids_.find(text);
    return it == token_ids_.end() ? -1 : it->second;
  }

  Model model_ = Model::kSentencePiece;
  std::string pre_;
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::vector<uint8_t> strip_;  // Strip flags per token (special tokens of some models)
  StringMap token_ids_;
  StringMap merge_ranks_;                // "left right" → rank
  std::vector<int32_t> special_tokens_;  // longest text first
  std::vector<int32_t> eog_;             // sorted
  std::vector<std::string> pieces_;      // TokenToPiece cache
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  int32_t bos_ = -1, eos_ = -1, unk_ = -1, eot_ = -1, eom_ = -1, pad_ = -1, sep_ = -1;
  WordPieceNormalizer normalizer_;
  size_t max_token_len_ = 0;  // bytes of the longest token text (WordPiece's search bound)
  int32_t fim_pre_ = -1, fim_suf_ = -1, fim_mid_ = -1;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
  bool ignore_merges_ = false, clean_spaces_ = false;
};

// Turns a stream of token ids into text that never ends in half a UTF-8 character: bytes
// of an incomplete character are held back until the rest arrives.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  // Complete text made available by this token (may be empty).
  std::string Push(int32_t id);
  // Whatever is still held back (an unfinished character becomes U+FFFD).
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;
};

}  // namespace inferno
