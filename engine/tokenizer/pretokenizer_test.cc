// The o200k ("gpt-4o") word split, which gpt-oss, GPT-4o and Llama 4 tokenizers use.
//
// Each expectation follows from the rule's alternatives, tried left to right at every
// position (see kGpt4o in pretokenizer.cc):
//   1. [^\r\n\p{L}\p{N}]? Upper* Lower+ contraction?   "Hello", " you'LL", " McDonald's"
//   2. [^\r\n\p{L}\p{N}]? Upper+ Lower* contraction?   " WON'T", " JSONParser" (all caps first)
//   3. \p{N}{1,3}                                       digits in groups of at most three
//   4. ' '? [^\s\p{L}\p{N}]+ [\r\n/]*                   punctuation runs, keeping newlines or '/'
//   5. \s*[\r\n]+   6. \s+(?!\S)   7. \s+               newlines; spaces but the last before a word
// where Upper is "a letter but not a-z" and Lower "a letter but not A-Z" (llama.cpp's ASCII-only
// case test), so letters of uncased scripts (CJK) and non-ASCII letters count as both.
// The expected pieces were also checked against llama.cpp itself: a ten-line harness calling
// its unicode_regex_split(text, {gpt-4o regex}, false), linked with the peer's libllama.a.
#include "engine/tokenizer/pretokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace inferno {
namespace {

struct Case {
  std::string_view text;
  std::vector<std::string_view> words;
};

const Case kO200kCases[] = {
    // Contractions stay on their word in any case; a lone apostrophe would be punctuation.
    {"I'm sure you'LL see: don't WON'T it's",
     {"I'm", " sure", " you'LL", " see", ":", " don't", " WON'T", " it's"}},
    // A lower-to-upper change starts a word; an upper run followed by lower letters is one word
    // (alternative 1 needs a lower letter after the capitals and takes them all).
    {"HelloWorld JSONParser iPhone McDonald's ABCdef",
     {"Hello", "World", " JSONParser", " i", "Phone", " Mc", "Donald's", " ABCdef"}},
    // Digits: groups of 1-3 from the left, never with the space before them (that space is
    // alternative 7's, being followed by a non-space).
    {"1234567 12 3.14159 year 2024, x1y22z333",
     {"123", "456", "7", " ", "12", " ", "3", ".",  "141", "59", " year",
      " ",   "202", "4", ",", " x", "1", "y", "22", "z",   "333"}},
    // CJK characters are letters of no case: one word until the digits; accented and
    // non-Latin letters (both "upper" and "lower" here) keep their words whole.
    {"東京2024年 café naïve Ελληνικά русский",
     {"東京", "202", "4", "年", " café", " naïve", " Ελληνικά", " русский"}},
    // Emoji are neither letters nor digits: a punctuation run with its leading space.
    {"emoji 🚀🚀! 👍🏽 ok", {"emoji", " 🚀🚀!", " 👍🏽", " ok"}},
    // Newline runs (with \r) are their own words; indentation keeps one space for the word.
    {"line one\n\nline two\r\n\r\n  indented\n",
     {"line", " one", "\n\n", "line", " two", "\r\n\r\n", " ", " indented", "\n"}},
    // Punctuation keeps a newline that follows it; the open parenthesis joins the letter run.
    {"def f(x):\n    return x**2  # sq\n",
     {"def", " f", "(x", "):\n", "   ", " return", " x", "**", "2", " ", " #", " sq", "\n"}},
    // '/' ends punctuation runs and, as the optional non-letter, starts path words.
    {"a // b /* c */ path/to/file.txt http://x.y/z",
     {"a", " //", " b", " /*", " c", " */", " path", "/to", "/file", ".txt", " http", "://", "x",
      ".y", "/z"}},
    {"  leading and trailing  ", {" ", " leading", " and", " trailing", "  "}},
    // A tab is a non-letter: it may lead a word like a space does.
    {"tab\there\t\tend", {"tab", "\there", "\t", "\tend"}},
};

TEST(PreTokenizerO200k, SplitsAsTheRuleSays) {
  for (std::string_view name : {"gpt-4o", "llama4", "minimax-m2"}) {
    auto pre = PreTokenizer::Create(name);
    ASSERT_TRUE(pre.ok()) << pre.status().message();
    EXPECT_FALSE((*pre)->traits().clean_spaces) << name;
    for (const Case& c : kO200kCases) {
      EXPECT_EQ((*pre)->Split(c.text), c.words) << name << ": " << c.text;
    }
  }
}

TEST(PreTokenizerO200k, WordsCoverTheText) {
  auto pre = PreTokenizer::Create("gpt-4o");
  ASSERT_TRUE(pre.ok());
  const std::string text = "x'S\n\n\n  9999999 ＡＢＣｄｅ \xF0\x9F\x98\x80\t'\r";
  std::string joined;
  for (std::string_view w : (*pre)->Split(text)) joined += w;
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace inferno
