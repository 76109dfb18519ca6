#include "server/topk_compare.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

namespace inferno::server {
namespace {

namespace json = boost::json;

TokenAlt Alt(int32_t id, const std::string& text, double p) { return {id, text, std::log(p)}; }

TEST(TopKCompare, IdenticalListsHaveZeroKl) {
  const std::vector<TokenAlt> a = {Alt(5, "a", 0.5), Alt(7, "b", 0.25), Alt(9, "c", 0.125)};
  const TopKDivergence d = CompareTopK(a, a);
  EXPECT_NEAR(d.kl_ab, 0, 1e-12);
  EXPECT_NEAR(d.kl_ba, 0, 1e-12);
  EXPECT_NEAR(d.tail_a, 0.125, 1e-12);
  EXPECT_TRUE(d.top1_agree);
  EXPECT_TRUE(d.by_id);
}

// Whole distributions (no tail): the cells are the vocabulary, so the figure is the exact KL.
TEST(TopKCompare, WholeDistributionsGiveTheExactKl) {
  const std::vector<TokenAlt> a = {Alt(0, "x", 0.7), Alt(1, "y", 0.2), Alt(2, "z", 0.1)};
  const std::vector<TokenAlt> b = {Alt(0, "x", 0.5), Alt(1, "y", 0.3), Alt(2, "z", 0.2)};
  const double want_ab =
      0.7 * std::log(0.7 / 0.5) + 0.2 * std::log(0.2 / 0.3) + 0.1 * std::log(0.1 / 0.2);
  const double want_ba =
      0.5 * std::log(0.5 / 0.7) + 0.3 * std::log(0.3 / 0.2) + 0.2 * std::log(0.2 / 0.1);
  const TopKDivergence d = CompareTopK(a, b);
  EXPECT_NEAR(d.kl_ab, want_ab, 1e-9);
  EXPECT_NEAR(d.kl_ba, want_ba, 1e-9);
  EXPECT_TRUE(d.top1_agree);
}

// Each side lists a token the other does not: that token gets an even share of the other's
// tail (capped by its last listed probability), the rest of the tail is the "others" cell.
// A: x .5, y .3, tail .2 -> z gets min(.3, .2/2) = .1, others .1.
// B: x .4, z .4, tail .2 -> y gets min(.4, .2/2) = .1, others .1.
TEST(TopKCompare, TokensOneSideDoesNotListShareItsTail) {
  const std::vector<TokenAlt> a = {Alt(1, "x", 0.5), Alt(2, "y", 0.3)};
  const std::vector<TokenAlt> b = {Alt(1, "x", 0.4), Alt(3, "z", 0.4)};
  const double want_ab = 0.5 * std::log(0.5 / 0.4) + 0.3 * std::log(0.3 / 0.1) +
                         0.1 * std::log(0.1 / 0.4) + 0.1 * std::log(0.1 / 0.1);
  const TopKDivergence d = CompareTopK(a, b);
  EXPECT_NEAR(d.kl_ab, want_ab, 1e-9);
  EXPECT_NEAR(d.tail_a, 0.2, 1e-12);
  EXPECT_NEAR(d.tail_b, 0.2, 1e-12);
  EXPECT_TRUE(d.top1_agree);  // x on both sides
}

TEST(TopKCompare, TextMatchingWhenAnIdIsMissingAndTop1Disagreement) {
  const std::vector<TokenAlt> a = {Alt(-1, " the", 0.6), Alt(-1, " a", 0.3)};
  const std::vector<TokenAlt> b = {Alt(4, " a", 0.6), Alt(8, " the", 0.3)};
  const TopKDivergence d = CompareTopK(a, b);
  EXPECT_FALSE(d.by_id);
  EXPECT_FALSE(d.top1_agree);
  const double want = 0.6 * std::log(0.6 / 0.3) + 0.3 * std::log(0.3 / 0.6);  // tails equal
  EXPECT_NEAR(d.kl_ab, want, 1e-9);
  EXPECT_EQ(CompareTopK({}, b).kl_ab, 0);
}

TEST(TopKCompare, ParsesLlamaCppContentWithIdsAndBytes) {
  // As llama.cpp's server answers /v1/completions with "logprobs": 2; the second token is a
  // partial UTF-8 character whose "token" lost its byte but "bytes" keeps it.
  const json::object answer = json::parse(R"({"choices":[{"text":"..","logprobs":{"content":[
      {"id":450,"token":" The","bytes":[32,84,104,101],"logprob":-0.1,
       "top_logprobs":[{"id":450,"token":" The","bytes":[32,84,104,101],"logprob":-0.1},
                       {"id":319,"token":" A","bytes":[32,65],"logprob":-2.5}]},
      {"id":232,"token":"","bytes":[226],"logprob":-0.7,
       "top_logprobs":[{"id":232,"token":"","bytes":[226],"logprob":-0.7}]}]}}]})")
                                  .as_object();
  Result<std::vector<StepTopK>> steps = ParseCompletionLogprobs(answer);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].id, 450);
  EXPECT_EQ((*steps)[0].text, " The");
  ASSERT_EQ((*steps)[0].top.size(), 2u);
  EXPECT_EQ((*steps)[0].top[1].id, 319);
  EXPECT_DOUBLE_EQ((*steps)[0].top[1].logprob, -2.5);
  EXPECT_EQ((*steps)[1].text, std::string("\xe2"));
}

TEST(TopKCompare, ParsesLegacyArraysInLogprobOrderAndVllmTokenIds) {
  const json::object answer = json::parse(R"({"choices":[{"text":" a","logprobs":{
      "tokens":["token_id:263"],"token_logprobs":[-0.2],"text_offset":[0],
      "top_logprobs":[{"token_id:4":-3.0,"token_id:263":-0.2,"token_id:9":-1.0}]}}]})")
                                  .as_object();
  Result<std::vector<StepTopK>> steps = ParseCompletionLogprobs(answer);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].id, 263);
  ASSERT_EQ((*steps)[0].top.size(), 3u);
  EXPECT_EQ((*steps)[0].top[0].id, 263);
  EXPECT_EQ((*steps)[0].top[1].id, 9);
  EXPECT_EQ((*steps)[0].top[2].id, 4);
}

TEST(TopKCompare, AnswersWithoutLogprobsAreNamed) {
  for (const char* body :
       {R"({"choices":[{"text":"x","logprobs":null}]})", R"({"object":"list"})",
        R"({"choices":[{"logprobs":{"tokens":["a"],"token_logprobs":[]}}]})",
        R"({"choices":[{"logprobs":{"content":[{"token":"a","logprob":-1}]}}]})"}) {
    Result<std::vector<StepTopK>> steps = ParseCompletionLogprobs(json::parse(body).as_object());
    EXPECT_FALSE(steps.ok()) << body;
  }
}

}  // namespace
}  // namespace inferno::server
