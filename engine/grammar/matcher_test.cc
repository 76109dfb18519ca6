#include "engine/grammar/matcher.h"

#include <gtest/gtest.h>

#include "engine/grammar/gbnf.h"

namespace inferno::grammar {
namespace {

std::unique_ptr<Automaton> Make(std::string_view gbnf) {
  Result<Grammar> g = ParseGbnf(gbnf);
  EXPECT_TRUE(g.ok()) << g.status().message();
  return std::make_unique<Automaton>(std::make_shared<Grammar>(std::move(g).value()));
}

TEST(AutomatonTest, PrefixesLiveCompleteSentencesEnd) {
  auto a = Make("root ::= \"{\" [0-9]+ \"}\"");
  const StateId s = a->Walk(a->Start(), "{12");
  ASSERT_NE(s, kDeadState);
  EXPECT_FALSE(a->CanEnd(s));
  EXPECT_TRUE(a->CanContinue(s));
  const StateId done = a->Walk(s, "}");
  EXPECT_TRUE(a->CanEnd(done));
  EXPECT_FALSE(a->CanContinue(done));
  EXPECT_EQ(a->Walk(a->Start(), "{}"), kDeadState);
  EXPECT_EQ(a->Walk(a->Start(), "{1}}"), kDeadState);
}

TEST(AutomatonTest, RepetitionReusesStates) {
  // Inside a repetition the state after each character is the same one: the automaton does
  // not grow with the length of the input.
  auto a = Make("root ::= \"\\\"\" [^\"]* \"\\\"\"");
  const StateId s1 = a->Walk(a->Start(), "\"abc");
  const StateId s2 = a->Walk(s1, "defghijklmnop");
  EXPECT_EQ(s1, s2);
  const size_t n = a->n_states();
  a->Walk(s2, std::string(1000, 'x'));
  EXPECT_EQ(a->n_states(), n);
}

TEST(AutomatonTest, PartialUtf8) {
  auto a = Make("root ::= [é-ê] \"!\"");  // U+00E9..U+00EA: C3 A9 .. C3 AA
  const StateId lead = a->Step(a->Start(), 0xC3);
  ASSERT_NE(lead, kDeadState);
  EXPECT_FALSE(a->CanEnd(lead));
  EXPECT_NE(a->Step(lead, 0xA9), kDeadState);
  EXPECT_EQ(a->Step(lead, 0xA8), kDeadState);        // è
  EXPECT_EQ(a->Step(a->Start(), 0xC4), kDeadState);  // no code point of the set starts so
  EXPECT_EQ(a->Step(a->Start(), 0xA9), kDeadState);  // a lone continuation byte
  EXPECT_EQ(a->Step(lead, 'x'), kDeadState);         // an interrupted character
  EXPECT_TRUE(a->CanEnd(a->Walk(a->Start(), "ê!")));
}

TEST(AutomatonTest, OverlongAndSurrogateEncodingsAreRefused) {
  auto a = Make("root ::= [^x]*");
  EXPECT_EQ(a->Walk(a->Start(), "\xF0\x80\x80\x8A"), kDeadState);  // U+000A in four bytes
  EXPECT_EQ(a->Walk(a->Start(), "\xE0\x81\xBB"), kDeadState);      // U+007B in three
  EXPECT_EQ(a->Walk(a->Start(), "\xED\xA0"), kDeadState);          // a surrogate half
  EXPECT_EQ(a->Walk(a->Start(), "\xF4\x90"), kDeadState);          // beyond U+10FFFF
  EXPECT_NE(a->Walk(a->Start(), "\xED\x9F\xBF"), kDeadState);      // U+D7FF
  EXPECT_NE(a->Walk(a->Start(), "\xF4\x8F\xBF\xBF"), kDeadState);  // U+10FFFF
}

TEST(AutomatonTest, NegatedClassAcceptsMultiByteCharacters) {
  auto a = Make("root ::= [^a]+");
  EXPECT_TRUE(a->CanEnd(a->Walk(a->Start(), "日本😀")));
  EXPECT_EQ(a->Walk(a->Start(), "ba"), kDeadState);
  EXPECT_EQ(a->Walk(a->Start(), "\xF8"), kDeadState);  // no UTF-8 lead byte
}

TEST(AutomatonTest, AmbiguousAlternativesKeepEveryReading) {
  auto a = Make("root ::= x | y\nx ::= \"ab\" \"c\"\ny ::= \"a\" [a-z] \"d\"");
  const StateId ab = a->Walk(a->Start(), "ab");
  EXPECT_TRUE(a->CanEnd(a->Walk(ab, "c")));
  EXPECT_TRUE(a->CanEnd(a->Walk(ab, "d")));
  EXPECT_EQ(a->Walk(ab, "e"), kDeadState);
}

TEST(AutomatonTest, DeepNestingWorks) {
  auto a = Make("root ::= \"(\" root \")\" | \"x\"");
  const std::string text = std::string(500, '(') + "x" + std::string(500, ')');
  EXPECT_TRUE(a->CanEnd(a->Walk(a->Start(), text)));
  EXPECT_EQ(a->Walk(a->Start(), text + ")"), kDeadState);
}

TEST(AutomatonTest, ExponentialExpansionIsCut) {
  // Each e is nullable two ways; a stack top's expansion would take 2^40 steps.
  std::string g = "root ::= \"a\" ";
  for (int i = 0; i < 40; ++i) g += "e ";
  g += "\"b\"\ne ::= \"\" | \"\"";
  auto a = Make(g);
  EXPECT_EQ(a->Walk(a->Start(), "ab"), kDeadState);
  EXPECT_TRUE(a->overflowed());
}

}  // namespace
}  // namespace inferno::grammar
