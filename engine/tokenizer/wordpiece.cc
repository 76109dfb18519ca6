#include "engine/tokenizer/wordpiece.h"

#include <algorithm>

#include "engine/tokenizer/tokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581, the converter's word marker

// Whether cp ends the current word and forms one of its own.
bool IsIsolated(uint32_t cp, CharClass cls) {
  return cls == CharClass::kPunctuation || (cp < 0x7F && cls == CharClass::kSymbol) ||
         IsCjkIdeograph(cp);
}

}  // namespace

CharClass ClassOf(uint32_t cp) {
  const auto ranges = CharClassRanges();
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                             [](uint32_t c, const CharClassRange& r) { return c < r.first; });
  return it == ranges.begin() ? CharClass::kOther : CharClass((it - 1)->cls);
}

bool IsUnicodeWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool IsCjkIdeograph(uint32_t cp) {
  // As Hugging Face's BasicTokenizer (and llama.cpp after it) list them, including its
  // 0x2B920 start of the Extension E block.
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint32_t SimpleLowercase(uint32_t cp) {
  const auto pairs = LowercasePairs();
  auto it = std::lower_bound(pairs.begin(), pairs.end(), cp,
                             [](const CodePointPair& p, uint32_t c) { return p.from < c; });
  return it != pairs.end() && it->from == cp ? it->to : cp;
}

uint32_t DecompositionBase(uint32_t cp) {
  const auto ranges = DecompositionBases();
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                             [](uint32_t c, const DecompositionRange& r) { return c < r.first; });
  if (it == ranges.begin()) return cp;
  --it;
  return cp <= it->last ? it->base : cp;
}

std::vector<std::string> WordPieceWords(std::string_view text, const WordPieceNormalizer& norm) {
  std::vector<std::string> words(1);
  auto finish_word = [&] {
    if (!words.back().empty()) words.emplace_back();
  };
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = NextCodepoint(text, &pos);
    if (norm.strip_accents) cp = DecompositionBase(cp);
    if (IsUnicodeWhitespace(cp)) {
      finish_word();
      continue;
    }
    const CharClass cls = ClassOf(cp);
    if (cp == 0 || cp == 0xFFFD || cls == CharClass::kControl) continue;
    if (norm.strip_accents && cls == CharClass::kMark) continue;
    const bool isolated = IsIsolated(cp, cls);
    if (norm.lowercase) cp = SimpleLowercase(cp);
    if (isolated) {
      finish_word();
      AppendUtf8(cp, &words.back());
      words.emplace_back();
    } else {
      AppendUtf8(cp, &words.back());
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

void Tokenizer::EncodeWordPiece(std::string_view text, std::vector<int32_t>* out) const {
  std::string word;
  for (const std::string& w : WordPieceWords(text, normalizer_)) {
    word.assign(kWordStart);
    word += w;
    const size_t first = out->size();
    // Longest piece at each position; a position no piece matches makes the whole word
    // unknown.
    for (size_t i = 0; i < word.size();) {
      size_t len = std::min(word.size() - i, max_token_len_);
      int32_t id = -1;
      for (; len > 0 && (id = Lookup(std::string_view(word).substr(i, len))) < 0; --len) {
      }
      if (id < 0) {
        out->resize(first);
        break;
      }
      out->push_back(id);
      i += len;
    }
    if (out->size() == first && unk_ >= 0) out->push_back(unk_);
  }
}

}  // namespace inferno
