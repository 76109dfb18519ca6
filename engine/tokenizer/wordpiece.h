// WordPiece ("bert" tokenizer model: BERT, BGE, MiniLM sentence encoders) as llama.cpp's WPM
// tokenizer runs it on a GGUF vocabulary. The converter stores word-initial pieces with a
// leading "▁" and continuation pieces ("##ing" in the Hugging Face vocabulary) without the
// "##", so a word is matched greedily, longest piece first, as "▁" + word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/wordpiece_tables.h"

namespace inferno {

// BertNormalizer options (tokenizer.ggml.normalizer.lowercase / strip_accents).
struct WordPieceNormalizer {
  bool lowercase = false;
  bool strip_accents = false;
};

// Splits text into the words WordPiece matches: whitespace separates words, control
// characters, U+0000 and U+FFFD are dropped, every punctuation character, ASCII symbol and CJK
// ideograph is a word of its own; with strip_accents each code point is replaced by the first
// of its canonical decomposition and combining marks are dropped; with lowercase each code
// point is lowercased.
std::vector<std::string> WordPieceWords(std::string_view text, const WordPieceNormalizer& norm);

// The Unicode properties the splitting uses.
CharClass ClassOf(uint32_t cp);
bool IsUnicodeWhitespace(uint32_t cp);  // the White_Space property
bool IsCjkIdeograph(uint32_t cp);       // the CJK blocks BERT's BasicTokenizer isolates
uint32_t SimpleLowercase(uint32_t cp);
uint32_t DecompositionBase(uint32_t cp);

}  // namespace inferno
