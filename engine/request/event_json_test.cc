#include "engine/request/event_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace inferno::event_json {
namespace {

namespace json = boost::json;

// The expected message as written in a document; parsing and serializing it again gives
// Boost.JSON's spelling of the numbers while keeping the key order, which is compared too.
std::string Canonical(std::string_view expected) { return json::serialize(json::parse(expected)); }

// A step whose numbers are exact in binary, so the expected JSON can be written by hand:
// logits 2.5 and 1.5 (and -1 for the rest of a 4-token vocabulary).
Event SampleToken() {
  Event e;
  e.type = Event::Type::kToken;
  e.index = 2;
  e.position = 9;
  e.id = 42;
  e.piece = " Paris";
  e.text = " Paris";
  e.logit = 2.5f;
  e.prob = 0.625f;
  e.rank = 0;
  e.entropy = 0.75f;
  e.elapsed_ms = 12.5;
  e.top = {{42, " Paris", 2.5f, 0.625f}, {7, " Lyon", 1.5f, 0.25f}};
  return e;
}

TEST(EventJsonTest, RunTokenIsDesignSection4) {
  const json::object o = TokenJson(SampleToken(), kRunToken, {}, {{"type", "token"}});
  EXPECT_EQ(json::serialize(o),
            Canonical(R"({"type":"token","index":2,"position":9,"id":42,"text":" Paris",
                         "logit":2.5,"prob":0.625,"rank":0,"entropy":0.75,
                         "top":[{"id":42,"text":" Paris","logit":2.5,"prob":0.625},
                                {"id":7,"text":" Lyon","logit":1.5,"prob":0.25}]})"));
}

TEST(EventJsonTest, DebuggerTokenAddsOutputElapsedAndLogits) {
  Event e = SampleToken();
  e.text = "";  // half a character: nothing to show yet
  e.logits = {2.5f, -std::numeric_limits<float>::infinity(), 1.5f};
  const json::object o = TokenJson(e, kDebuggerToken);
  EXPECT_EQ(json::serialize(o),
            Canonical(R"({"index":2,"position":9,"id":42,"text":" Paris","output":"",
                         "logit":2.5,"prob":0.625,"rank":0,"entropy":0.75,"elapsed_ms":12.5,
                         "top":[{"id":42,"text":" Paris","logit":2.5,"prob":0.625},
                                {"id":7,"text":" Lyon","logit":1.5,"prob":0.25}],
                         "logits":[2.5,null,1.5]})"));
}

TEST(EventJsonTest, BinaryModeLeavesTheNumbersOut) {
  Event e = SampleToken();
  e.logits = {2.5f, 1.5f};
  const json::object o = TokenJson(e, kDebuggerToken, {.numbers = false});
  EXPECT_EQ(json::serialize(o.at("top")),
            Canonical(R"([{"id":42,"text":" Paris"},{"id":7,"text":" Lyon"}])"));
  EXPECT_FALSE(o.contains("logits"));
  EXPECT_FALSE(TokenJson(e, kDebuggerToken, {.logits = false}).contains("logits"));
}

TEST(EventJsonTest, TopOnlyWhenAskedExceptInTheStore) {
  Event e = SampleToken();
  e.top.clear();
  EXPECT_FALSE(TokenJson(e, kRunToken).contains("top"));
  EXPECT_EQ(json::serialize(TokenJson(e, kStoredStep)),
            Canonical(R"({"id":42,"text":" Paris","logit":2.5,"prob":0.625,"rank":0,
                         "entropy":0.75,"top":[]})"));
}

TEST(EventJsonTest, ChatTokenKeepsItsOwnNames) {
  const json::object o = TokenJson(SampleToken(), kChatToken);
  EXPECT_EQ(json::serialize(o), Canonical(R"({"index":2,"text":" Paris","id":42,"token":" Paris",
                         "logprob":-0.4700036292457356,"elapsed_ms":12.5})"));
  EXPECT_DOUBLE_EQ(o.at("logprob").as_double(), std::log(0.625));
}

TEST(EventJsonTest, ReasoningTokensCarryPhaseAndTheirTextOnlyWhenThereIsSome) {
  Event e = SampleToken();
  e.text = "";
  e.reasoning = "Hmm";
  e.in_reasoning = true;
  EXPECT_EQ(json::serialize(TokenJson(e, kChatToken)),
            Canonical(R"({"index":2,"text":"","reasoning":"Hmm","phase":"reasoning","id":42,
                         "token":" Paris","logprob":-0.4700036292457356,"elapsed_ms":12.5})"));
  const json::object debugger = TokenJson(e, kDebuggerToken);
  EXPECT_EQ(debugger.at("reasoning"), "Hmm");
  EXPECT_EQ(debugger.at("phase"), "reasoning");
  EXPECT_EQ(TokenJson(e, kRunToken).at("phase"), "reasoning");
  // An answer's token (or any token of a model that does not think) has neither key.
  const json::object answer = TokenJson(SampleToken(), kDebuggerToken);
  EXPECT_FALSE(answer.contains("phase"));
  EXPECT_FALSE(answer.contains("reasoning"));
  Event done;
  done.type = Event::Type::kDone;
  done.reasoning = "cut short";
  EXPECT_EQ(DoneJson(done, kDebuggerDone).at("reasoning"), "cut short");
  done.reasoning.clear();
  EXPECT_FALSE(DoneJson(done, kDebuggerDone).contains("reasoning"));
}

TEST(EventJsonTest, PiecesAreMadeValidUtf8) {
  Event e = SampleToken();
  e.piece = "\xe2\x82";  // the first two bytes of a three-byte character
  const std::string text(TokenJson(e, kRunToken).at("text").as_string());
  EXPECT_EQ(text, "\xef\xbf\xbd\xef\xbf\xbd");  // as ToValidUtf8: one U+FFFD per byte
}

TEST(EventJsonTest, NonFiniteNumbersAreNull) {
  EXPECT_TRUE(Num(std::numeric_limits<float>::quiet_NaN()).is_null());
  EXPECT_TRUE(Num(-std::numeric_limits<float>::infinity()).is_null());
  EXPECT_EQ(Num(0.25f).as_double(), 0.25);
  EXPECT_EQ(Logprob(0.0f), -9999.0);
  EXPECT_DOUBLE_EQ(Logprob(0.5f), std::log(0.5));
}

Event SampleDone() {
  Event e;
  e.type = Event::Type::kDone;
  e.finish_reason = "length";
  e.timings.load_ms = 100;
  e.timings.prompt_tokens = 8;
  e.timings.prompt_ms = 40;
  e.timings.generated_tokens = 5;
  e.timings.decode_ms = 200;
  e.timings.ttft_ms = 50;
  return e;
}

TEST(EventJsonTest, Timings) {
  // 8 prompt tokens in 40 ms; 4 decode steps after the first token in 200 ms.
  EXPECT_EQ(json::serialize(TimingsJson(SampleDone().timings)),
            Canonical(R"({"load_ms":100.0,"prompt_tokens":8,"cached_tokens":0,"prompt_ms":40.0,
                         "prompt_tokens_per_second":200.0,"generated_tokens":5,
                         "decode_ms":200.0,"decode_tokens_per_second":20.0,"ttft_ms":50.0})"));
}

// Cached prompt tokens were not evaluated: the prompt rate counts the others.
TEST(EventJsonTest, TimingsWithCachedPromptTokens) {
  Timings t = SampleDone().timings;
  t.cached_tokens = 2;
  const json::object o = TimingsJson(t);
  EXPECT_EQ(o.at("cached_tokens"), 2);
  EXPECT_EQ(o.at("prompt_tokens"), 8);
  EXPECT_EQ(o.at("prompt_tokens_per_second").as_double(), 150.0);
}

TEST(EventJsonTest, DoneFormats) {
  Event e = SampleDone();
  const std::string timings = json::serialize(TimingsJson(e.timings));
  EXPECT_EQ(json::serialize(DoneJson(e, kRunDone, {{"type", "done"}})),
            R"({"type":"done","finish_reason":"length","timings":)" + timings + "}");
  // The debugger sends the text released at the end only when there is some.
  EXPECT_FALSE(DoneJson(e, kDebuggerDone).contains("output"));
  e.text = "held";
  EXPECT_EQ(json::serialize(DoneJson(e, kDebuggerDone)),
            R"({"finish_reason":"length","output":"held","timings":)" + timings + "}");
  EXPECT_EQ(json::serialize(DoneJson(e, kChatDone, {{"model", "m"}})),
            Canonical(R"({"model":"m","text":"held","load_ms":100.0,"prompt_tokens":8,
                         "cached_tokens":0,"prompt_tokens_per_second":200.0,"decode_tokens_per_second":20.0,
                         "ttft_ms":50.0,"generated_tokens":5})"));
}

// Speculative decoding: a token a draft was about says what became of the draft in every
// token format; the counts join the timings only when a draft proposed any.
TEST(EventJsonTest, DraftMarksAndCounts) {
  Event e = SampleToken();
  e.draft = DraftMark::kRejected;
  e.draft_id = 7;
  for (const TokenFormat* f : {&kRunToken, &kDebuggerToken, &kChatToken, &kStoredStep}) {
    const json::object o = TokenJson(e, *f);
    EXPECT_EQ(o.at("draft"), "rejected");
    EXPECT_EQ(o.at("draft_id"), 7);
  }
  e.draft = DraftMark::kAccepted;
  const json::object accepted = TokenJson(e, kChatToken);
  EXPECT_EQ(accepted.at("draft"), "accepted");
  EXPECT_FALSE(accepted.contains("draft_id"));
  e.draft = DraftMark::kBonus;
  EXPECT_EQ(TokenJson(e, kDebuggerToken).at("draft"), "bonus");
  EXPECT_FALSE(TokenJson(SampleToken(), kChatToken).contains("draft"));
  for (DraftMark m : {DraftMark::kAccepted, DraftMark::kRejected, DraftMark::kBonus}) {
    EXPECT_EQ(ParseDraftName(DraftName(m)), m);
  }
  EXPECT_EQ(ParseDraftName("none"), std::nullopt);

  Event done = SampleDone();
  EXPECT_FALSE(DoneJson(done, kChatDone).contains("drafted_tokens"));
  EXPECT_FALSE(TimingsJson(done.timings).contains("acceptance_rate"));
  done.timings.drafted_tokens = 8;
  done.timings.accepted_tokens = 6;
  EXPECT_EQ(json::serialize(DoneJson(done, kChatDone)),
            Canonical(R"({"text":"","load_ms":100.0,"prompt_tokens":8,"cached_tokens":0,
                         "prompt_tokens_per_second":200.0,"decode_tokens_per_second":20.0,
                         "ttft_ms":50.0,"generated_tokens":5,"drafted_tokens":8,
                         "accepted_tokens":6,"acceptance_rate":0.75})"));
  const json::object t = TimingsJson(done.timings);
  EXPECT_EQ(t.at("drafted_tokens"), 8);
  EXPECT_EQ(t.at("accepted_tokens"), 6);
  EXPECT_EQ(t.at("acceptance_rate").as_double(), 0.75);
}

TEST(EventJsonTest, PromptAndError) {
  Event p;
  p.type = Event::Type::kPrompt;
  p.prompt_tokens = {1, 450};
  EXPECT_EQ(json::serialize(PromptJson(p, nullptr, {{"type", "prompt"}})),
            R"({"type":"prompt","tokens":[1,450]})");
  // With an image: where its tokens stand and their grid.
  p.prompt_images = {{1, 6, 2, 3}};
  EXPECT_EQ(
      json::serialize(PromptJson(p, nullptr, {{"type", "prompt"}})),
      R"({"type":"prompt","tokens":[1,450],"images":[{"first":1,"tokens":6,"rows":2,"cols":3}]})");
  p.prompt_images.clear();
  const std::vector<std::string> pieces = {"<s>", " The"};
  EXPECT_EQ(json::serialize(TokensJson(p.prompt_tokens, pieces)),
            R"([{"id":1,"text":"<s>"},{"id":450,"text":" The"}])");
  Event err;
  err.type = Event::Type::kError;
  err.error = Status::IoError("boom");
  EXPECT_EQ(json::serialize(ErrorJson(err)), R"({"message":"boom"})");
}

TEST(EventJsonTest, AttentionMapRowsUseTheShortestFloat) {
  AttentionMap map;
  map.n_positions = 2;
  map.layers = {3};
  map.heads = {1};
  map.weights = {1.0f, 0.1f, 0.9f};  // row 0: {1}, row 1: {0.1, 0.9}
  EXPECT_EQ(json::serialize(AttentionMapJson(map, /*rows=*/true)),
            Canonical(R"({"kind":"attention_prompt","positions":2,
                         "heads":[{"layer":3,"head":1,"rows":[[1.0],[0.1,0.9]]}]})"));
  EXPECT_FALSE(
      AttentionMapJson(map, /*rows=*/false).at("heads").at(0).as_object().contains("rows"));
}

TEST(EventJsonTest, TokenProbes) {
  Event e = SampleToken();
  e.query_position = 8;
  e.attention = {{0, 1, {0.5f, 0.5f}}};
  e.logit_lens = {{0, 1.25f, {{42, " Paris", 2.5f, 0.625f}}}};
  EXPECT_EQ(json::serialize(AttentionJson(e)),
            Canonical(R"({"kind":"attention","position":9,"query_position":8,
                         "heads":[{"layer":0,"head":1,"weights":[0.5,0.5]}]})"));
  EXPECT_EQ(json::serialize(LogitLensJson(e)),
            Canonical(R"({"kind":"logit_lens","position":9,"query_position":8,
                         "layers":[{"layer":0,"entropy":1.25,"top":[
                           {"id":42,"text":" Paris","logit":2.5,"prob":0.625}]}]})"));
}

TEST(EventJsonTest, RouterProbes) {
  Event e;
  e.type = Event::Type::kToken;
  e.position = 9;
  e.query_position = 8;
  e.router = {{8, 1, {5, 2}, {0.75f, 0.25f}}};
  EXPECT_EQ(json::serialize(RouterJson(e)),
            Canonical(R"({"kind":"router","position":9,"query_position":8,
                         "rows":[{"position":8,"layer":1,"experts":[5,2],
                                  "weights":[0.75,0.25]}]})"));
  e.type = Event::Type::kPromptRouter;
  e.router = {{0, 0, {1}, {0.5f}}, {1, 0, {3}, {0.5f}}};
  EXPECT_EQ(json::serialize(RouterJson(e)), Canonical(R"({"kind":"router_prompt","rows":[
                           {"position":0,"layer":0,"experts":[1],"weights":[0.5]},
                           {"position":1,"layer":0,"experts":[3],"weights":[0.5]}]})"));
}

}  // namespace
}  // namespace inferno::event_json
