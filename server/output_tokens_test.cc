// OutputTokens: the tokens listed in logprobs are exactly those whose text is returned.
#include "server/output_tokens.h"

#include <gtest/gtest.h>

#include <string>

namespace inferno::server {
namespace {

Event Token(std::string piece, std::string text, bool eog = false) {
  Event e;
  e.type = Event::Type::kToken;
  e.piece = std::move(piece);
  e.text = std::move(text);
  e.end_of_generation = eog;
  return e;
}

Event Done(std::string held_text) {
  Event e;
  e.type = Event::Type::kDone;
  e.text = std::move(held_text);
  return e;
}

std::string Pieces(const std::vector<Event>& tokens) {
  std::string out;
  for (const Event& t : tokens) out += t.piece + "|";
  return out;
}

TEST(OutputTokensTest, TheEndOfGenerationTokenIsNeverListed) {
  OutputTokens out;
  EXPECT_EQ(Pieces(out.Take(Token("Hi", "Hi"))), "Hi|");
  EXPECT_EQ(Pieces(out.Take(Token("</s>", "", /*eog=*/true))), "");
  EXPECT_EQ(Pieces(out.Finish(Done(""))), "");
}

TEST(OutputTokensTest, AHalfCharacterWaitsForTheTokenThatCompletesIt) {
  OutputTokens out;
  EXPECT_EQ(Pieces(out.Take(Token("\xF0\x9F", ""))), "");
  EXPECT_EQ(Pieces(out.Take(Token("\x98\x80!", "\xF0\x9F\x98\x80!"))), "\xF0\x9F|\x98\x80!|");
}

TEST(OutputTokensTest, TokensOfTheStopStringThatEndedTheOutputAreDropped) {
  // Stop "\n\nUser:": "\n\n" and "User" are held back, ":" completes the stop string.
  OutputTokens out;
  EXPECT_EQ(Pieces(out.Take(Token("Hello", "Hello"))), "Hello|");
  EXPECT_EQ(Pieces(out.Take(Token("\n\n", ""))), "");
  EXPECT_EQ(Pieces(out.Take(Token("User", ""))), "");
  EXPECT_EQ(Pieces(out.Take(Token(":", ""))), "");
  EXPECT_EQ(Pieces(out.Finish(Done(""))), "");
}

TEST(OutputTokensTest, HeldTokensComeOutWithTheTextThatReleasesThem) {
  // Stop "ab": "a" is held until "c" shows it was no stop string; a tail held at max_tokens is
  // released by the end.
  OutputTokens out;
  EXPECT_EQ(Pieces(out.Take(Token("a", ""))), "");
  EXPECT_EQ(Pieces(out.Take(Token("c", "ac"))), "a|c|");
  EXPECT_EQ(Pieces(out.Take(Token("a", ""))), "");
  EXPECT_EQ(Pieces(out.Finish(Done("a"))), "a|");
}

TEST(OutputTokensTest, ReasoningTokensAreListedAtOnce) {
  OutputTokens out;
  Event think = Token("<think>", "");
  think.in_reasoning = true;
  EXPECT_EQ(Pieces(out.Take(think)), "<think>|");
}

}  // namespace
}  // namespace inferno::server
