#include "engine/grammar/gbnf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/grammar/matcher.h"

namespace inferno::grammar {
namespace {

using ::testing::HasSubstr;

// Whether the whole of `text` is a sentence of the grammar.
bool Matches(const Grammar& g, std::string_view text) {
  Automaton a(std::make_shared<Grammar>(g));
  return a.CanEnd(a.Walk(a.Start(), text));
}

Grammar Parse(std::string_view text) {
  Result<Grammar> g = ParseGbnf(text);
  EXPECT_TRUE(g.ok()) << g.status().message();
  return g.ok() ? *g : Grammar();
}

std::string Error(std::string_view text) {
  Result<Grammar> g = ParseGbnf(text);
  EXPECT_FALSE(g.ok()) << text;
  return g.ok() ? "" : g.status().message();
}

TEST(GbnfTest, LiteralsAndAlternatives) {
  const Grammar g = Parse("root ::= \"yes\" | \"no\"  # a comment\n");
  EXPECT_TRUE(Matches(g, "yes"));
  EXPECT_TRUE(Matches(g, "no"));
  EXPECT_FALSE(Matches(g, "ye"));
  EXPECT_FALSE(Matches(g, "yesno"));
  EXPECT_FALSE(Matches(g, ""));
}

TEST(GbnfTest, CharClassesRangesAndNegation) {
  const Grammar g = Parse("root ::= [a-c0-9] [^x\\n] [\\-\\]]\n");
  EXPECT_TRUE(Matches(g, "a5-"));
  EXPECT_TRUE(Matches(g, "3é]"));
  EXPECT_FALSE(Matches(g, "ax-"));
  EXPECT_FALSE(Matches(g, "d5-"));
  EXPECT_FALSE(Matches(g, "a\n-"));
}

TEST(GbnfTest, EscapesInLiterals) {
  const Grammar g = Parse(R"(root ::= "\x41\u00e9\U0001F600\t\"\\")");
  EXPECT_TRUE(Matches(g, "Aé😀\t\"\\"));
  EXPECT_FALSE(Matches(g, "Ae😀\t\"\\"));
}

TEST(GbnfTest, RepetitionsAndGroups) {
  const Grammar g = Parse(
      "root ::= \"a\"+ (\"bc\" | d)* \"e\"? \"f\"{2} \"g\"{1,3} \"h\"{2,}\n"
      "d ::= [0-9]\n");
  EXPECT_TRUE(Matches(g, "affghh"));
  EXPECT_TRUE(Matches(g, "aabc7bc9effgggghhh") == false);  // four g's
  EXPECT_TRUE(Matches(g, "aabc7bc9effggghhh"));
  EXPECT_FALSE(Matches(g, "ffghh"));     // no a
  EXPECT_FALSE(Matches(g, "afghh"));     // one f
  EXPECT_FALSE(Matches(g, "affgh"));     // one h
  EXPECT_FALSE(Matches(g, "abffghh"));   // half a group
  EXPECT_FALSE(Matches(g, "aeeffghh"));  // two e
}

TEST(GbnfTest, MultiCharacterLiteralRepeatsAsAWhole) {
  const Grammar g = Parse("root ::= \"ab\"{2,3}");
  EXPECT_FALSE(Matches(g, "ab"));
  EXPECT_TRUE(Matches(g, "abab"));
  EXPECT_TRUE(Matches(g, "ababab"));
  EXPECT_FALSE(Matches(g, "abb"));
  EXPECT_FALSE(Matches(g, "abababab"));
}

TEST(GbnfTest, MultiLineRulesAndAnyCharacter) {
  const Grammar g = Parse(
      "root ::= (\n"
      "  item\n"
      "  (\",\" item)*  # more\n"
      ")\n"
      "\n"
      "item ::= . .\n");
  EXPECT_TRUE(Matches(g, "ab"));
  EXPECT_TRUE(Matches(g, "ab,日本"));
  EXPECT_FALSE(Matches(g, "ab,c"));
}

TEST(GbnfTest, RecursiveRules) {
  const Grammar g = Parse(
      "root ::= value\n"
      "value ::= \"[\" (value (\",\" value)*)? \"]\" | \"x\"\n");
  EXPECT_TRUE(Matches(g, "[x,[x,[]],[[x]]]"));
  EXPECT_FALSE(Matches(g, "[x,]"));
  EXPECT_FALSE(Matches(g, "[[x]"));
}

TEST(GbnfTest, ToGbnfParsesBackToTheSameLanguage) {
  const Grammar g = Parse("root ::= [^\"\\\\] \"q\\n\"+ [a-z-]\n");
  const Grammar back = Parse(g.ToGbnf());
  for (std::string_view s : {"xq\nq\n-", "aq\nb", "\"q\na", "\\q\na", "xq\n"}) {
    EXPECT_EQ(Matches(g, s), Matches(back, s)) << s;
  }
  EXPECT_TRUE(Matches(back, "xq\nq\n-"));
}

TEST(GbnfTest, ErrorsNameLineAndColumn) {
  EXPECT_THAT(Error("root ::= \"a\"\nfoo = \"b\"\n"),
              HasSubstr("line 2, column 5: expected '::=' after 'foo'"));
  EXPECT_THAT(Error("root ::= \"abc\n"), HasSubstr("line 1, column 14: unterminated string"));
  EXPECT_THAT(Error("root ::= [a-\n"),
              HasSubstr("line 1, column 13: unterminated character class"));
  EXPECT_THAT(Error("root ::= [z-a]"), HasSubstr("reversed"));
  EXPECT_THAT(Error("root ::= \"a\" | * \"b\""), HasSubstr("line 1, column 16: expected an item"));
  EXPECT_THAT(Error("root ::= (\"a\""), HasSubstr("expected ')'"));
  EXPECT_THAT(Error("root ::= \"\\q\""), HasSubstr("unknown escape '\\q'"));
  EXPECT_THAT(Error("root ::= \"\\x4\""), HasSubstr("hex digits"));
  EXPECT_THAT(Error("root ::= \"a\"{3,1}"), HasSubstr("out of range"));
  EXPECT_THAT(Error("root ::= \"a\"{99999}"), HasSubstr("out of range"));
  EXPECT_THAT(Error("root ::= \"a\" )"), HasSubstr("expected the end of the line"));
}

TEST(GbnfTest, ErrorsAboutRules) {
  EXPECT_THAT(Error("item ::= \"a\""), HasSubstr("no rule 'root'"));
  EXPECT_THAT(Error("root ::= item"), HasSubstr("rule 'item' is used but not defined"));
  EXPECT_THAT(Error("root ::= \"a\"\nroot ::= \"b\""), HasSubstr("defined twice"));
  EXPECT_THAT(Error("root ::= x\nx ::= y \"a\"\ny ::= \"\" | x"), HasSubstr("left-recursive"));
  EXPECT_THAT(Error("root ::= (\"\" | \"a\")*"), HasSubstr("left-recursive"));
}

TEST(GbnfTest, ColumnsCountCharacters) {
  EXPECT_THAT(Error("root ::= \"é\" ?? )"), HasSubstr("column 17"));
}

}  // namespace
}  // namespace inferno::grammar
