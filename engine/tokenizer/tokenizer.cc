#include "engine/tokenizer/tokenizer.h"

#include <algorithm>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/pretokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

// Texts that end a turn in common chat formats; llama.cpp treats them as end-of-generation
// when the vocabulary has them, whatever the eos id says.
constexpr const char* kEndOfTurnTexts[] = {
    "<|eot_id|>",    "<|im_end|>", "<|end|>",         "<end_of_turn>",
    "<|endoftext|>", "<EOT>",      "<|end_of_text|>", "<｜end▁of▁sentence｜>",
    "<|eom_id|>",    "<|return|>"};

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
  } else {
    return Status::Unsupported(f.path() + ": tokenizer model '" + *model +
                               "' is not supported (supported: llama, gpt2)");
  }
  Result<std::vector<std::string_view>> tokens = f.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty() || tokens->size() > (1u << 22)) {
    return Status::Corruption(f.path() + ": metadata 'tokenizer.ggml.tokens': " +
                              std::to_string(tokens->size()) + " tokens (expected 1..4M)");
  }
  const size_t n = tokens->size();
  tokens_.assign(tokens->begin(), tokens->end());
  token_ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) token_ids_.emplace(tokens_[i], int32_t(i));  // first wins

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
      types_[i] = v >= 1 && v <= 6 ? TokenType(v) : TokenType::kNormal;
    }
  }

  // Defaults per model type, then the file's own flags.
  if (model_ == Model::kSentencePiece) {
    bos_ = 1;
    eos_ = 2;
    unk_ = 0;
    add_bos_ = true;
    add_space_prefix_ = true;
  } else {
    bos_ = 11;
    eos_ = 11;
    Result<std::string> pre = f.GetStringOr("tokenizer.ggml.pre", "default");
    if (!pre.ok()) return pre.status();
    pre_ = *pre;
    if (pre_ == "llama3" || pre_ == "llama-v3" || pre_ == "llama-bpe" || pre_ == "falcon3" ||
        pre_ == "pixtral") {
      ignore_merges_ = true;
      add_bos_ = true;
    }
    Result<std::unique_ptr<PreTokenizer>> p = PreTokenizer::Create(pre_);
    if (!p.ok()) return Status::Unsupported(f.path() + ": " + p.status().message());
    pre_tokenizer_ = std::move(p).value();
    Result<std::vector<std::string_view>> merges = f.GetStringArray("tokenizer.ggml.merges");
    if (!merges.ok()) return merges.status();
    merge_ranks_.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) merge_ranks_.emplace((*merges)[i], int32_t(i));
  }
  auto read_id = [&](const char* key, int32_t* id) -> Status {
    if (f.Find(key) == nullptr) return Status::Ok();
    Result<uint64_t> v = f.GetUint(key);
    if (!v.ok()) return v.status();
    if (*v >= n) {
      return Status::Corruption(f.path() + ": metadata '" + key + "': token id " +
                                std::to_string(*v) + " is outside the vocabulary of " +
                                std::to_string(n));
    }
    *id = int32_t(*v);
    return Status::Ok();
  };
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.bos_token_id", &bos_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.eos_token_id", &eos_));
  INFERNO_RETURN_IF_ERROR(read_id("tokenizer.ggml.unknown_token_id", &unk_));
  if (bos_ >= int32_t(n)) bos_ = -1;
  if (eos_ >= int32_t(n)) eos_ = -1;
  if (unk_ >= int32_t(n)) unk_ = -1;
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    int32_t id = -1;
    INFERNO_RETURN_IF_ERROR(read_id(key, &id));
    if (id >= 0) eog_.push_back(id);
  }
  Result<bool> add_bos = f.GetBoolOr("tokenizer.ggml.add_bos_token", add_bos_);
  Result<bool> add_eos = f.GetBoolOr("tokenizer.ggml.add_eos_token", add_eos_);
  Result<bool> add_space = f.GetBoolOr("tokenizer.ggml.add_space_prefix", add_space_prefix_);
  for (const auto* r : {&add_bos, &add_eos, &add_space}) {
    if (!r->ok()) return r->status();
  }
  add_bos_ = *add_bos && bos_ >= 0;
  add_eos_ = *add_eos && eos_ >= 0;
  add_space_prefix_ = *add_space;

  if (eos_ >= 0) eog_.push_back(eos_);
  for (const char* text : kEndOfTurnTexts) {
    if (auto id = FindToken(text)) eog_.push_back(*id);
  }
  for (int32_t i = 0; i < int32_t(n); ++i) {
    const TokenType t = types_[i];
    if (t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown) {
      if (!tokens_[i].empty()) special_tokens_.push_back(i);
    }
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });

  pieces_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& text = tokens_[i];
    std::string& piece = pieces_[i];
    const TokenType t = types_[i];
    if (t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUserDefined) {
      piece = text;
    } else if (model_ == Model::kSentencePiece) {
      int byte = -1;
      if (t == TokenType::kByte && text.size() == 6 && text.rfind("<0x", 0) == 0 &&
          text[5] == '>') {
        byte = HexByte(text[3], text[4]);
      }
      if (byte >= 0) {
        piece = std::string(1, char(byte));
      } else {
        // "▁" (U+2581) stands for a space.
        for (size_t p = 0; p < text.size();) {
          if (text.compare(p, 3, "\xE2\x96\x81") == 0) {
            piece += ' ';
            p += 3;
          } else {
            piece += text[p++];
          }
        }
      }
    } else {
      piece = ByteLevelDecode(text);
    }
  }
  return Status::Ok();
}

std::optional<int32_t> Tokenizer::FindToken(std::string_view text) const {
  auto it = token_ids_.find(std::string(text));
  if (it == token_ids_.end()) return std::nullopt;
  return it->second;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return std::find(eog_.begin(), eog_.end(), id) != eog_.end();
}

std::vector<Tokenizer::Fragment> Tokenizer::SplitSpecial(std::string_view text,
                                                         bool parse_special) const {
  std::vector<Fragment> frags = {{text, -1}};
  if (text.empty()) frags.clear();
  for (int32_t id : special_tokens_) {
    // Without parse_special only user-defined tokens are recognised (llama.cpp's rule).
    if (!parse_special && types_[id] != TokenType::kUserDefined) continue;
    const std::string& special = tokens_[id];
    std::vector<Fragment> next;
    next.reserve(frags.size());
    for (const Fragment& fr : frags) {
      if (fr.id >= 0) {
        next.push_back(fr);
        continue;
      }
      std::string_view rest = fr.text;
      for (size_t at; (at = rest.find(special)) != std::string_view::npos;) {
        if (at > 0) next.push_back({rest.substr(0, at), -1});
        next.push_back({{}, id});
        rest.remove_prefix(at + special.size());
      }
      if (!rest.empty()) next.push_back({rest, -1});
    }
    frags = std::move(next);
  }
  return frags;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  if (add_special && add_bos_) out.push_back(bos_);
  bool prev_special = true;  // SentencePiece prefixes a space to the first text fragment
  for (const Fragment& fr : SplitSpecial(text, parse_special)) {
    if (fr.id >= 0) {
      out.push_back(fr.id);
      prev_special = true;
      continue;
    }
    if (model_ == Model::kSentencePiece) {
      std::string escaped;
      if (add_space_prefix_ && prev_special) escaped = "\xE2\x96\x81";
      for (char c : fr.text) {
        if (c == ' ') {
          escaped += "\xE2\x96\x81";
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
  return out;
}

std::string Tokenizer::TokenToPiece(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return pieces_[id];
}

std::string Tokenizer::Decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= n_vocab()) continue;
    const TokenType t = types_[id];
    if (t == TokenType::kControl || t == TokenType::kUnknown) continue;
    out += pieces_[id];
  }
  // The space SentencePiece put in front of the text is not part of it.
  if (model_ == Model::kSentencePiece && add_space_prefix_ && !out.empty() && out[0] == ' ') {
    out.erase(0, 1);
  }
  return ToValidUtf8(out);
}

int32_t Tokenizer::ByteToken(uint8_t byte) const {
  static const char* kHex = "0123456789ABCDEF";
  const std::string name = std::string("<0x") + kHex[byte >> 4] + kHex[byte & 15] + ">";
  if (auto id = FindToken(name)) return *id;
  if (auto id = FindToken(std::string(1, char(byte)))) return *id;
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
