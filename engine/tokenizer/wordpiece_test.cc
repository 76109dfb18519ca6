// WordPiece: the normaliser's word splitting and the greedy longest-piece matching on small
// vocabularies, with expectations worked out from llama.cpp's WPM rules (llama-vocab.cpp). The
// agreement with llama.cpp itself on the zoo's bert vocabulary is in tests/bert_parity_test.cc.
#include "engine/tokenizer/wordpiece.h"

#include <gtest/gtest.h>

#include "engine/gguf/gguf_writer.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno {
namespace {

using Words = std::vector<std::string>;
constexpr WordPieceNormalizer kUncased{.lowercase = true, .strip_accents = true};

TEST(WordPieceWords, WhitespaceAndPunctuationSplit) {
  EXPECT_EQ(WordPieceWords("Hello, World!", kUncased), (Words{"hello", ",", "world", "!"}));
  EXPECT_EQ(WordPieceWords("  a\tb\nc\u3000d ", kUncased), (Words{"a", "b", "c", "d"}));
  EXPECT_EQ(WordPieceWords("", kUncased), Words{});
}

TEST(WordPieceWords, AsciiSymbolsSplitOtherSymbolsDoNot) {
  // '$' and '+' are ASCII symbols (isolated), '€' a non-ASCII symbol (kept in the word).
  EXPECT_EQ(WordPieceWords("a$b+c", kUncased), (Words{"a", "$", "b", "+", "c"}));
  EXPECT_EQ(WordPieceWords("5\u20ac", kUncased), (Words{"5\u20ac"}));
}

TEST(WordPieceWords, AccentsAreStrippedWithTheOption) {
  EXPECT_EQ(WordPieceWords("Caf\u00e9 NA\u00cfVE", kUncased), (Words{"cafe", "naive"}));
  // A decomposed accent (e + U+0301) is a combining mark: dropped.
  EXPECT_EQ(WordPieceWords("cafe\u0301", kUncased), (Words{"cafe"}));
  const WordPieceNormalizer cased{};
  EXPECT_EQ(WordPieceWords("Caf\u00e9", cased), (Words{"Caf\u00e9"}));
}

TEST(WordPieceWords, CjkIdeographsAreWordsOfTheirOwn) {
  EXPECT_EQ(WordPieceWords("ab\u4e2d\u6587cd", kUncased), (Words{"ab", "\u4e2d", "\u6587", "cd"}));
  // Hiragana is not in BERT's CJK list: it stays in the word.
  EXPECT_EQ(WordPieceWords("\u3042\u3044", kUncased), (Words{"\u3042\u3044"}));
}

TEST(WordPieceWords, ControlsAndBrokenBytesAreDropped) {
  EXPECT_EQ(WordPieceWords(std::string("a\x01"
                                       "b\xff"
                                       "c",
                                       6),
                           kUncased),
            (Words{"abc"}));
  EXPECT_EQ(WordPieceWords(std::string("a\0b", 3), kUncased), (Words{"ab"}));
  EXPECT_EQ(WordPieceWords("a\u200bb", kUncased), (Words{"ab"}));  // zero-width space: Cf
}

TEST(WordPieceUnicode, Tables) {
  EXPECT_EQ(SimpleLowercase('A'), uint32_t('a'));
  EXPECT_EQ(SimpleLowercase(0x0130), uint32_t('i'));  // İ
  EXPECT_EQ(SimpleLowercase(0x0416), 0x0436u);        // Cyrillic Zhe
  EXPECT_EQ(DecompositionBase(0x00E9), uint32_t('e'));
  EXPECT_EQ(DecompositionBase(0xAC00), 0x1100u);  // Hangul syllable: its first jamo
  EXPECT_EQ(ClassOf('!'), CharClass::kPunctuation);
  EXPECT_EQ(ClassOf(0x0301), CharClass::kMark);
  EXPECT_EQ(ClassOf(0x0378), CharClass::kOther);  // unassigned
  EXPECT_TRUE(IsUnicodeWhitespace(0x3000));
  EXPECT_FALSE(IsUnicodeWhitespace(0x200B));
}

// A GGUF vocabulary as the converter writes one: "▁" on word starts, none on continuations.
class WordPieceTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    gguf::Writer w;
    w.AddString("tokenizer.ggml.model", "bert");
    w.AddStringArray("tokenizer.ggml.tokens",
                     {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u2581un", "aff", "able", "\u2581a",
                      "\u2581,", "\u2581unaff", "b", "\u2581\u4e2d"});
    w.AddI32Array("tokenizer.ggml.token_type", {3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});
    w.AddU32("tokenizer.ggml.bos_token_id", 2);
    w.AddU32("tokenizer.ggml.seperator_token_id", 3);
    w.AddU32("tokenizer.ggml.unknown_token_id", 1);
    w.AddBool("tokenizer.ggml.normalizer.lowercase", true);
    image_ = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("v.gguf", image_);
    ASSERT_TRUE(f.ok()) << f.status().message();
    file_ = std::move(*f);
    Result<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(*file_);
    ASSERT_TRUE(t.ok()) << t.status().message();
    tok_ = std::move(*t);
  }
  std::vector<int32_t> Encode(std::string_view text) { return tok_->Encode(text, true, false); }

  std::vector<uint8_t> image_;
  std::unique_ptr<gguf::File> file_;
  std::unique_ptr<Tokenizer> tok_;
};

TEST_F(WordPieceTokenizer, LongestPieceFirstInsideClsSep) {
  EXPECT_EQ(tok_->model(), Tokenizer::Model::kWordPiece);
  // "▁unaff" beats "▁un" + "aff"; then "able".
  EXPECT_EQ(Encode("Unaffable"), (std::vector<int32_t>{2, 9, 6, 3}));
  EXPECT_EQ(Encode("a, \u4e2d"), (std::vector<int32_t>{2, 7, 8, 11, 3}));
  EXPECT_EQ(tok_->Encode("a", /*add_special=*/false, false), std::vector<int32_t>{7});
}

TEST_F(WordPieceTokenizer, AnUnmatchedPositionMakesTheWholeWordUnknown) {
  // "unaffz": "▁unaff" matches, "z" does not: one [UNK] for the word, not a partial match.
  EXPECT_EQ(Encode("unaffz a"), (std::vector<int32_t>{2, 1, 7, 3}));
  // A word may only start with a word-start piece: "b" alone is a continuation.
  EXPECT_EQ(Encode("b"), (std::vector<int32_t>{2, 1, 3}));
  EXPECT_EQ(Encode("ab"), (std::vector<int32_t>{2, 7, 10, 3}));
}

TEST_F(WordPieceTokenizer, SpecialTokensInTextWithParseSpecial) {
  EXPECT_EQ(tok_->Encode("a[SEP]a", true, /*parse_special=*/true),
            (std::vector<int32_t>{2, 7, 3, 7, 3}));
}

TEST_F(WordPieceTokenizer, PiecesSpellWordStartsWithASpace) {
  EXPECT_EQ(tok_->TokenToPiece(9), " unaff");
  EXPECT_EQ(tok_->TokenToPiece(6), "able");
  EXPECT_EQ(tok_->TokenToPiece(2), "[CLS]");
}

}  // namespace
}  // namespace inferno
