#include "engine/tokenizer/tokenizer.h"

#include <algorithm>
#include <bitset>
#include <cctype>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/pretokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

// Token texts that end a turn in common chat formats; llama.cpp treats them as
// end-of-generation (and as control tokens) whatever the metadata says.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",   "<|endoftext|>",
    "<|eom_id|>", "<EOT>",      "_<EOT>",  "<|end_of_text|>", "<end_of_utterance>"};
// Candidates for the end-of-turn token when the metadata names none.
constexpr std::string_view kEndOfTurnTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<EOT>",
    "_<EOT>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // DeepSeek
    "<end_of_utterance>"};
// Fill-in-the-middle tokens, recognised by text when the metadata does not give their ids.
struct FimTexts {
  const char* key;
  std::vector<std::string_view> texts;
  bool end_of_generation;
};
const std::vector<FimTexts>& Fims() {
  static const auto* fims = new std::vector<FimTexts>{
      {"tokenizer.ggml.fim_pre_token_id",
       {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "begin\xEF\xBD\x9C>",
        "<PRE>", "\xE2\x96\x81<PRE>"},
       false},
      {"tokenizer.ggml.fim_suf_token_id",
       {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81hole\xEF\xBD\x9C>",
        "<SUF>", "\xE2\x96\x81<SUF>"},
       false},
      {"tokenizer.ggml.fim_mid_token_id",
       {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "end\xEF\xBD\x9C>",
        "<MID>", "\xE2\x96\x81<MID>"},
       false},
      {"tokenizer.ggml.fim_pad_token_id", {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"}, true},
      {"tokenizer.ggml.fim_rep_token_id",
       {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"},
       true},
      {"tokenizer.ggml.fim_sep_token_id", {"<|file_sep|>"}, true},
  };
  return *fims;
}
// Older names of the first three FIM keys.
constexpr const char* kDeprecatedFimKeys[] = {"tokenizer.ggml.prefix_token_id",
                                              "tokenizer.ggml.suffix_token_id",
                                              "tokenizer.ggml.middle_token_id"};

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Value of two hex digits, or -1 (vocabularies come from untrusted files).
int HexByte(char hi, char lo) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int h = digit(hi), l = digit(lo);
  return h < 0 || l < 0 ? -1 : h * 16 + l;
}

bool IsSpecialType(TokenType t) {
  return t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
}

// isspace() in the C locale, which llama.cpp uses to strip around special tokens.
bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// llama.cpp's detokenizer clean-up (Hugging Face's clean_up_tokenization_spaces): drops the
// space before ?!., and before 's 'm 're 've, and around a lone apostrophe.
std::string CleanSpaces(const std::string& in) {
  std::string a;
  a.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char x = in[i];
    if (i > 0 && in[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) a.pop_back();
    a += x;
  }
  std::string b;
  b.reserve(a.size());
  bool dropped_next = false;  // llama.cpp blanks the space after " ' " in place
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i];
    const bool prev_space = i > 0 && a[i - 1] == ' ' && !dropped_next;
    dropped_next = false;
    if (x == '\'' && i + 1 < a.size() && prev_space && a[i + 1] == ' ') {
      b.pop_back();  // " ' " → "'"
      b += x;
      ++i;
      dropped_next = true;
      continue;
    }
    b += x;
  }
  std::string c;
  c.reserve(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    const char x = b[i];
    if (i > 0 && b[i - 1] == ' ' && x == '\'' && i + 1 < b.size()) {
      const char x1 = b[i + 1];
      const char x2 = i + 2 < b.size() ? b[i + 2] : '\0';
      if (x1 == 's' || x1 == 'm' || (x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
        c.pop_back();
      }
    }
    c += x;
  }
  return c;
}

}  // namespace

Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const gguf::File& file) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  INFERNO_RETURN_IF_ERROR(t->Init(file));
  return t;
}

Status Tokenizer::Init(const gguf::File& f) {
  Result<std::string> model = f.GetString("tokenizer.ggml.model");
  if (!model.ok()) return model.status();
  if (*model == "llama") {
    model_ = Model::kSentencePiece;
  } else if (*model == "gpt2") {
    model_ = Model::kByteLevelBpe;
  } else if (*model == "bert") {
    model_ = Model::kWordPiece;
  } else {
    return Status::Unsupported(f.path() + ": tokenizer model '" + *model +
                               "' is not supported (supported: llama, gpt2, bert)");
  }
  INFERNO_RETURN_IF_ERROR(InitVocabulary(f));

  // Defaults per model type, then the pre-tokenizer's, then the file's own flags.
  if (model_ == Model::kSentencePiece) {
    bos_ = 1;
    eos_ = 2;
    unk_ = 0;
    add_bos_ = true;
    add_space_prefix_ = true;
    clean_spaces_ = false;
  } else if (model_ == Model::kWordPiece) {
    INFERNO_RETURN_IF_ERROR(InitWordPiece(f));
  } else {
    INFERNO_RETURN_IF_ERROR(InitByteLevelBpe(f));
  }
  Result<bool> add_space = f.GetBoolOr("tokenizer.ggml.add_space_prefix", add_space_prefix_);
  if (!add_space.ok()) return add_space.status();
  add_space_prefix_ = *add_space;

  INFERNO_RETURN_IF_ERROR(InitSpecialTokens(f));
  if (model_ == Model::kWordPiece) {
    // llama.cpp wraps WordPiece text in [CLS] ... [SEP] whatever add_bos/add_eos_token say.
    add_bos_ = bos_ >= 0;
    add_eos_ = false;
  }
  InitPieces();
  return Status::Ok();
}

Status Tokenizer::InitVocabulary(const gguf::File& f) {
  Result<std::vector<std::string_view>> tokens = f.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty() || tokens->size() > (1u << 22)) {
    return Status::Corruption(f.path() + ": metadata 'tokenizer.ggml.tokens': " +
                              std::to_string(tokens->size()) + " tokens (expected 1..4M)");
  }
  const size_t n = tokens->size();
  tokens_.assign(tokens->begin(), tokens->end());
  token_ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // llama.cpp renames empty entries so that every token has a distinct, visible text.
    if (tokens_[i].empty()) tokens_[i] = "[EMPTY_" + std::to_string(i) + "]";
    token_ids_[tokens_[i]] = int32_t(i);  // on duplicates the last one wins, as in llama.cpp
  }

  scores_.assign(n, 0.0f);
  if (f.Find("tokenizer.ggml.scores") != nullptr) {
    Result<std::vector<float>> scores = f.GetFloatArray("tokenizer.ggml.scores");
    if (!scores.ok()) return scores.status();
    if (scores->size() != n) {
      return Status::Corruption(f.path() + ": metadata 'tokenizer.ggml.scores' has " +
                                std::to_string(scores->size()) + " entries, expected " +
                                std::to_string(n));
    }
    scores_ = std::move(scores).value();
  }
  types_.assign(n, TokenType::kNormal);
  if (f.Find("tokenizer.ggml.token_type") != nullptr) {
    Result<std::vector<int64_t>> types = f.GetIntArray("tokenizer.ggml.token_type");
    if (!types.ok()) return types.status();
    if (types->size() != n) {
      return Status::Corruption(f.path() + ": metadata 'tokenizer.ggml.token_type' has " +
                                std::to_string(types->size()) + " entries, expected " +
                                std::to_string(n));
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t v = (*types)[i];
      types_[i] = v >= 1 && v <= 6 ? TokenType(v) : TokenType::kUndefined;
    }
  }
  strip_.assign(n, kStripNone);
  return Status::Ok();
}

// GPT-2 style vocabularies: llama.cpp's defaults, the pre-tokenizer the file names (its traits
// override the defaults) and the merge ranks.
Status Tokenizer::InitByteLevelBpe(const gguf::File& f) {
  bos_ = 11;
  eos_ = 11;
  const gguf::Value* pre = f.Find("tokenizer.ggml.pre");
  Result<std::string> name = f.GetStringOr("tokenizer.ggml.pre", "default");
  if (!name.ok()) return name.status();
  pre_ = *name;
  Result<std::unique_ptr<PreTokenizer>> p = PreTokenizer::Create(pre_);
  if (!p.ok()) return Status::Unsupported(f.path() + ": " + p.status().message());
  pre_tokenizer_ = std::move(p).value();
  const PreTokenizerTraits& traits = pre_tokenizer_->traits();
  ignore_merges_ = traits.ignore_merges;
  add_bos_ = traits.add_bos;
  // Without a pre name llama.cpp falls back to the default rules but keeps the clean-up.
  clean_spaces_ = pre == nullptr ? true : traits.clean_spaces;
  if (traits.no_bos) bos_ = -1;

  Result<std::vector<std::string_view>> merges = f.GetStringArray("tokenizer.ggml.merges");
  if (!merges.ok()) return merges.status();
  merge_ranks_.reserve(merges->size());
  for (size_t i = 0; i < merges->size(); ++i) {
    const std::string_view m = (*merges)[i];
    // A merge is "left right", split at the first space after the first byte (a left part may
    // itself start with a space); lines without one never match.
    if (m.size() < 2 || m.find(' ', 1) == std::string_view::npos) continue;
    merge_ranks_.emplace(std::string(m), int32_t(i));  // the first occurrence ranks
  }
  return Status::Ok();
}

// llama.cpp's defaults for a "bert" vocabulary are the ids of the original BERT vocabulary;
// the metadata usually overrides them.
Status Tokenizer::InitWordPiece(const gguf::File& f) {
  bos_ = 101;  // [CLS]
  unk_ = 100;
  sep_ = 102;
  pad_ = 0;
  add_bos_ = true;
  clean_spaces_ = true;
  Result<bool> lowercase = f.GetBoolOr("tokenizer.ggml.normalizer.lowercase", false);
  if (!lowercase.ok()) return lowercase.status();
  Result<bool> strip = f.GetBoolOr("tokenizer.ggml.normalizer.strip_accents", *lowercase);
  if (!strip.ok()) return strip.status();
  normalizer_ = {.lowercase = *lowercase, .strip_accents = *strip};
  for (const std::string& t : tokens_) max_token_len_ = std::max(max_token_len_, t.size());
  return Status::Ok();
}

Status Tokenizer::InitSpecialTokens(const gguf::File& f) {
  const int32_t n = n_vocab();
  // Reads an optional token id. Like llama.cpp, an id outside the vocabulary is ignored (the
  // default stays); a negative one means "none".
  auto read_id = [&](const char* key, int32_t* id) -> Status {
    const gguf::Value* v = f.Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_integer()) {
      return Status::Corruption(f.path() + ": metadata '" + key + "' has type " +
                                std::string(gguf::ValueTypeName(v->type)) +
                                ", expected an integer token id");
    }
    if (v->i < 0 && v->u == 0) {
      *id = -1;
    } else if (v->u < uint64_t(n)) {
      *id = int32_t(v->u);
    }
    return Status::Ok();
  };
  int32_t mask = -1;
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.bos_token_id", &bos_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.eos_token_id", &eos_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.eot_token_id", &eot_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.eom_token_id", &eom_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.unknown_token_id", &unk_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.seperator_token_id", &sep_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.padding_token_id", &pad_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.mask_token_id", &mask));
  std::vector<int32_t> fim(Fims().size(), -1);
  for (size_t k = 0; k < Fims().size(); ++k) {
    INFERNO_RETURN_IF_ERROR(read_id(Fims()[k].key, &fim[k]));
    if (k < 3) INFERNO_RETURN_IF_ERROR(read_id(kDeprecatedFimKeys[k], &fim[k]));
  }
  // Defaults that do not exist in a small vocabulary.
  for (int32_t* id : {&bos_, &eos_, &unk_, &sep_, &pad_}) {
    if (*id >= n) *id = -1;
  }

  Result<bool> add_bos = f.GetBoolOr("tokenizer.ggml.add_bos_token", add_bos_);
  Result<bool> add_eos = f.GetBoolOr("tokenizer.ggml.add_eos_token", add_eos_);
  for (const auto* r : {&add_bos, &add_eos}) {
    if (!r->ok()) return r->status();
  }
  add_bos_ = *add_bos && bos_ >= 0;
  add_eos_ = *add_eos && eos_ >= 0;

  InitEndOfGeneration(fim);
  for (int32_t i = 0; i < n; ++i) {
    if (IsSpecialType(types_[i])) special_tokens_.push_back(i);
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });
  InitStripping(f);
  return Status::Ok();
}

// The end-of-turn, end-of-message and fill-in-the-middle tokens the file does not name, found by
// their text, and the set of ids that end generation.
void Tokenizer::InitEndOfGeneration(std::vector<int32_t>& fim) {
  // Tokens found by their text are made control tokens (so that they are only parsed with
  // parse_special and print as their text), as llama.cpp does.
  auto force_control = [&](int32_t id) { types_[id] = TokenType::kControl; };
  auto find_first = [&](const auto& texts) -> int32_t {
    for (std::string_view text : texts) {
      const int32_t id = Lookup(text);
      if (id >= 0) return id;
    }
    return -1;
  };
  if (eot_ < 0) {
    eot_ = find_first(kEndOfTurnTexts);
    if (eot_ >= 0) force_control(eot_);
  }
  if (eom_ < 0) {
    eom_ = Lookup("<|eom_id|>");
    if (eom_ >= 0) force_control(eom_);
  }
  for (size_t k = 0; k < fim.size(); ++k) {
    if (fim[k] < 0) {
      fim[k] = find_first(Fims()[k].texts);
      if (fim[k] >= 0) force_control(fim[k]);
    }
    if (fim[k] >= 0 && Fims()[k].end_of_generation) eog_.push_back(fim[k]);
  }
  fim_pre_ = fim[0];  // Fims() begins with prefix, suffix, middle
  fim_suf_ = fim[1];
  fim_mid_ = fim[2];
  for (std::string_view text : kEndOfGenerationTexts) {
    const int32_t id = Lookup(text);
    if (id < 0) continue;
    eog_.push_back(id);
    force_control(id);
  }
  for (int32_t id : {eos_, eot_, eom_}) {
    if (id >= 0) eog_.push_back(id);
  }
  std::sort(eog_.begin(), eog_.end());
  eog_.erase(std::unique(eog_.begin(), eog_.end()), eog_.end());
}

// Whitespace stripping around special tokens, which llama.cpp keys on the model's name because
// GGUF does not carry the per-token flags.
void Tokenizer::InitStripping(const gguf::File& f) {
  Result<std::string> name = f.GetStringOr("general.name", "");
  std::string lower = name.ok() ? *name : "";
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (pre_.find("jina-v2-") != std::string::npos) {
    const int32_t m = Lookup("<mask>");
    if (m >= 0) strip_[m] |= kStripLeft;
  } else if (lower.find("phi-3") != std::string::npos || lower.find("phi3") != std::string::npos) {
    // Phi-3 drops whitespace after its chat tokens ("<|user|>\n" → "<|user|>").
    for (int32_t id : special_tokens_) strip_[id] |= kStripRight;
    if (const int32_t id = Lookup("</s>"); id >= 0) strip_[id] |= kStripRight;
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) {
      if (const int32_t id = Lookup(text); id >= 0) strip_[id] &= ~kStripRight;
    }
  }
}

void Tokenizer::InitPieces() {
  const size_t n = tokens_.size();
  pieces_.assign(n, std::string());
  for (size_t i = 0; i < n; ++i) {
    const std::string& text = tokens_[i];
    std::string& piece = pieces_[i];
    const TokenType t = types_[i];
    if (IsSpecialType(t)) {
      piece = text;
    } else if (t == TokenType::kNormal) {
      if (model_ != Model::kByteLevelBpe) {  // "▁" stands for a space
        for (size_t p = 0; p < text.size();) {
          if (text.compare(p, kSpaceMarker.size(), kSpaceMarker) == 0) {
            piece += ' ';
            p += kSpaceMarker.size();
          } else {
            piece += text[p++];
          }
        }
      } else {
        piece = ByteLevelDecode(text);
      }
    } else if (t == TokenType::kByte && model_ == Model::kSentencePiece) {
      // "<0xE6>" is the byte 0xE6; a malformed name keeps its text rather than guessing.
      const int byte = text.size() == 6 && text.rfind("<0x", 0) == 0 && text[5] == '>'
                           ? HexByte(text[3], text[4])
                           : -1;
      piece = byte >= 0 ? std::string(1, char(byte)) : text;
    }
    // Unused and undefined tokens (and byte tokens of byte-level vocabularies) have no text.
  }
}

std::optional<int32_t> Tokenizer::FindToken(std::string_view text) const {
  const int32_t id = Lookup(text);
  if (id < 0) return std::nullopt;
  return id;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return std::binary_search(eog_.begin(), eog_.end(), id);
}

std::vector<Tokenizer::Fragment> Tokenizer::SplitSpecial(std::string_view text,
                                                         bool parse_special) const {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({text, -1});
  // Which bytes and byte pairs occur in the text: most special tokens can be skipped without
  // searching (vocabularies such as Gemma's have thousands).
  std::bitset<256> bytes;
  auto pairs = std::make_unique<std::bitset<65536>>();
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    bytes.set(c);
    if (i + 1 < text.size()) pairs->set(c << 8 | static_cast<uint8_t>(text[i + 1]));
  }
  std::vector<Fragment> next;
  for (int32_t id : special_tokens_) {
    // Without parse_special only user-defined tokens are recognised (llama.cpp's rule).
    if (!parse_special && types_[id] != TokenType::kUserDefined) continue;
    const std::string& special = tokens_[id];
    const auto b0 = static_cast<uint8_t>(special[0]);
    if (special.size() > text.size() || !bytes.test(b0)) continue;
    if (special.size() > 1 && !pairs->test(b0 << 8 | static_cast<uint8_t>(special[1]))) continue;
    next.clear();
    bool found = false;
    for (const Fragment& fr : frags) {
      if (fr.id >= 0) {
        next.push_back(fr);
        continue;
      }
      std::string_view rest = fr.text;
      for (size_t at; (at = rest.find(special)) != std::string_view::npos;) {
        found = true;
        std::string_view left = rest.substr(0, at);
        if (strip_[id] & kStripLeft) {
          while (!left.empty() && IsAsciiSpace(left.back())) left.remove_suffix(1);
        }
        if (!left.empty()) next.push_back({left, -1});
        next.push_back({{}, id});
        rest.remove_prefix(at + special.size());
        if (strip_[id] & kStripRight) {
          while (!rest.empty() && IsAsciiSpace(rest.front())) rest.remove_prefix(1);
        }
      }
      if (!rest.empty()) next.push_back({rest, -1});
    }
    if (found) frags.swap(next);
  }
  return frags;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && add_bos_) out.push_back(bos_);
  bool prev_special = true;  // SentencePiece prefixes a space to the first text fragment
  std::string escaped;
  for (const Fragment& fr : SplitSpecial(text, parse_special)) {
    if (fr.id >= 0) {
      out.push_back(fr.id);
      prev_special = true;
      continue;
    }
    if (model_ == Model::kWordPiece) {
      EncodeWordPiece(fr.text, &out);
    } else if (model_ == Model::kSentencePiece) {
      escaped.clear();
      if (add_space_prefix_ && prev_special) escaped = kSpaceMarker;
      for (char c : fr.text) {
        if (c == ' ') {
          escaped += kSpaceMarker;
        } else {
          escaped += c;
        }
      }
      EncodeSentencePiece(escaped, &out);
    } else {
      EncodeByteLevel(fr.text, &out);
    }
    prev_special = false;
  }
  if (add_special && add_eos_) out.push_back(eos_);
  if (add_special && model_ == Model::kWordPiece && sep_ >= 0) out.push_back(sep_);
  return out;
}

std::string Tokenizer::TokenToPiece(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return pieces_[id];
}

std::string Tokenizer::Decode(std::span<const int32_t> ids) const {
  std::string out;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || id >= n_vocab()) continue;
    const TokenType t = types_[id];
    if (t == TokenType::kControl || t == TokenType::kUnknown) continue;
    std::string_view piece = pieces_[id];
    // The space SentencePiece put in front of the text is not part of it.
    if (first && add_space_prefix_ && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
    if (!pieces_[id].empty()) first = false;
    out += piece;
  }
  if (clean_spaces_) out = CleanSpaces(out);
  return ToValidUtf8(out);
}

int32_t Tokenizer::ByteToken(uint8_t byte) const {
  static const char* kHex = "0123456789ABCDEF";
  const char name[6] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  if (const int32_t id = Lookup(std::string_view(name, 6)); id >= 0) return id;
  const char raw = char(byte);
  if (const int32_t id = Lookup(std::string_view(&raw, 1)); id >= 0) return id;
  // llama.cpp gives up here; the unknown token is the closest meaning.
  return unk_ >= 0 ? unk_ : 0;
}

std::string StreamingDecoder::Push(int32_t id) {
  pending_ += tokenizer_.TokenToPiece(id);
  const size_t hold = IncompleteUtf8Suffix(pending_);
  std::string ready = ToValidUtf8(std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  return ready;
}

std::string StreamingDecoder::Flush() {
  std::string rest = ToValidUtf8(pending_);
  pending_.clear();
  return rest;
}

}  // namespace inferno
