#include "engine/grammar/token_constraint.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/grammar/gbnf.h"

namespace inferno::grammar {
namespace {

std::shared_ptr<const Grammar> Gbnf(std::string_view text) {
  Result<Grammar> g = ParseGbnf(text);
  EXPECT_TRUE(g.ok()) << g.status().message();
  return std::make_shared<Grammar>(std::move(g).value());
}

// A small vocabulary with shared prefixes, multi-byte characters split across tokens, a
// duplicate piece, an empty piece and an excluded (control) token.
struct Vocab {
  std::vector<std::string> pieces = {
      "{",   "}",    "{\"",  "\"",       "\":",  "a",    "ab",
      "abc", "1",    "12",   "123",      ",",    " ",    "  ",
      "\n",  "\xC3", "\xA9", "é",        "éa",   "x\"",  "\"}",
      "\\",  "\\\"", "[",    "]",        "[]",   "true", "tr",
      "ue",  "null", "",     "<s>",      "a",    "\":1", "-",
      "0",   ".5",   "e3",   "\xE6\x97", "\xA5", "日",   "\xF0\x9F\x98\x80",
  };
  std::vector<bool> included;
  Vocab() {
    included.assign(pieces.size(), true);
    included[31] = false;  // <s>: a control token
  }
};

// Brute force: a token is allowed when walking its bytes from the state does not die.
std::vector<bool> Reference(Automaton& a, StateId s, const Vocab& v,
                            const std::vector<int32_t>& ends) {
  std::vector<bool> out(v.pieces.size(), false);
  for (size_t id = 0; id < v.pieces.size(); ++id) {
    if (!v.included[id] || v.pieces[id].empty()) continue;
    out[id] = a.Walk(s, v.pieces[id]) != kDeadState;
  }
  for (int32_t e : ends) out[size_t(e)] = a.CanEnd(s);
  return out;
}

TEST(TokenMaskTest, TrieWalkEqualsBruteForceAlongRandomPaths) {
  const Vocab v;
  auto trie = std::make_shared<TokenTrie>(v.pieces, v.included);
  const std::vector<int32_t> ends = {30};  // the empty piece doubles as the end token here
  const char* grammars[] = {
      "root ::= \"{\" ws (\"\\\"a\\\"\" ws \":\" ws num)? ws \"}\"\n"
      "num ::= \"-\"? [0-9]+ (\".\" [0-9]+)? ([eE] [0-9]+)?\nws ::= [ \\n]{0,3}",
      "root ::= \"\\\"\" ([^\"\\\\] | \"\\\\\" [\"\\\\])* \"\\\"\"",
      "root ::= ([a-c] | [é日😀])* \"x\"?",
      "root ::= \"[\" (\"true\" | \"null\") (\",\" \" \"? (\"true\" | \"null\"))* \"]\"",
  };
  std::mt19937 rng(7);
  for (const char* text : grammars) {
    auto g = Gbnf(text);
    Automaton a(g);
    StateId s = a.Start();
    for (int step = 0; step < 40 && s != kDeadState; ++step) {
      const TokenMask mask = ComputeMask(a, s, *trie, ends);
      const std::vector<bool> want = Reference(a, s, v, ends);
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id < int32_t(v.pieces.size()); ++id) {
        EXPECT_EQ(mask.Test(id), want[size_t(id)])
            << text << " step " << step << " token '" << v.pieces[size_t(id)] << "'";
        if (want[size_t(id)] && id != 30) allowed.push_back(id);
      }
      if (allowed.empty()) break;
      s = a.Walk(s, v.pieces[size_t(allowed[rng() % allowed.size()])]);
    }
  }
}

TEST(TokenConstraintTest, EndTokenOnlyWhenComplete) {
  const Vocab v;
  auto trie = std::make_shared<TokenTrie>(v.pieces, v.included);
  TokenConstraint c(Gbnf("root ::= \"12\" \",\"?"), trie, {31});
  EXPECT_FALSE(c.Allowed().Test(31));
  EXPECT_TRUE(c.Allowed().Test(8));    // "1"
  EXPECT_TRUE(c.Allowed().Test(9));    // "12"
  EXPECT_FALSE(c.Allowed().Test(10));  // "123"
  EXPECT_FALSE(c.Accept(10));
  ASSERT_TRUE(c.Accept(9));
  EXPECT_TRUE(c.Complete());
  EXPECT_FALSE(c.Finished());  // a comma may follow
  EXPECT_TRUE(c.Allowed().Test(31));
  EXPECT_TRUE(c.Allowed().Test(11));
  ASSERT_TRUE(c.Accept(11));
  EXPECT_TRUE(c.Finished());
  EXPECT_EQ(c.Allowed().Count(), 1u);  // only the end token
  EXPECT_EQ(c.text(), "12,");
}

TEST(TokenConstraintTest, TokensSplittingACharacter) {
  const Vocab v;
  auto trie = std::make_shared<TokenTrie>(v.pieces, v.included);
  TokenConstraint c(Gbnf("root ::= \"é\" [日]"), trie, {});
  EXPECT_TRUE(c.Allowed().Test(15));   // C3: the first half of é
  EXPECT_TRUE(c.Allowed().Test(17));   // é
  EXPECT_FALSE(c.Allowed().Test(16));  // A9 alone
  EXPECT_FALSE(c.Allowed().Test(18));  // éa
  ASSERT_TRUE(c.Accept(15));
  EXPECT_TRUE(c.Allowed().Test(16));
  EXPECT_EQ(c.Allowed().Count(), 1u);
  ASSERT_TRUE(c.Accept(16));
  EXPECT_TRUE(c.Allowed().Test(38));  // E6 97, two thirds of 日
  EXPECT_TRUE(c.Allowed().Test(40));
  ASSERT_TRUE(c.Accept(38));
  ASSERT_TRUE(c.Accept(39));
  EXPECT_TRUE(c.Complete());
  EXPECT_FALSE(c.Accept(31));  // control tokens never
}

// A control token, spelled in the trie as kControlByte and its text (Model::token_trie), is
// produced only where a literal names it, and not its letters there; no character class,
// negated or not, takes it.
TEST(TokenConstraintTest, ControlTokenOnlyWhereTheGrammarNamesIt) {
  const std::string mark(1, char(kControlByte));
  const std::vector<std::string> pieces = {"x", mark + "<|m|>", "<", "<|m|>", "{}", "\"", "a"};
  auto trie = std::make_shared<TokenTrie>(pieces, std::vector<bool>(pieces.size(), true));
  Builder b;
  Sequence seq;
  b.AppendLiteral("x" + mark + "<|m|>{}", &seq);
  b.AddAlternative(b.Rule("root"), seq);
  Result<Grammar> g = b.Finish("root");
  ASSERT_TRUE(g.ok()) << g.status().message();
  TokenConstraint c(std::make_shared<Grammar>(std::move(*g)), trie, {});
  ASSERT_TRUE(c.Accept(0));
  EXPECT_TRUE(c.Allowed().Test(1));
  EXPECT_EQ(c.Allowed().Count(), 1u);  // not "<", not the text "<|m|>"
  EXPECT_FALSE(c.Accept(3));
  ASSERT_TRUE(c.Accept(1));
  ASSERT_TRUE(c.Accept(4));
  EXPECT_TRUE(c.Finished());
  // Inside a string (a negated class) and as any character, the control token is refused.
  TokenConstraint s(Gbnf("root ::= \"\\\"\" [^\"]* \"\\\"\" ."), trie, {});
  ASSERT_TRUE(s.Accept(5));
  EXPECT_TRUE(s.Allowed().Test(6));
  EXPECT_TRUE(s.Allowed().Test(2));
  EXPECT_FALSE(s.Allowed().Test(1));
  ASSERT_TRUE(s.Accept(5));
  EXPECT_TRUE(s.Allowed().Test(6));
  EXPECT_FALSE(s.Allowed().Test(1));
}

}  // namespace
}  // namespace inferno::grammar
