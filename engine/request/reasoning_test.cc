#include "engine/request/reasoning.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/request/fields.h"
#include "engine/request/json_fields.h"

namespace inferno::request {
namespace {

// What a splitter made of `pieces`, fed one at a time, with what each piece was.
struct Split {
  std::string reasoning;
  std::string content;
  std::vector<bool> in_reasoning;  // per piece, as the Sequence computes a token's phase
};

Split Feed(const std::vector<std::string>& pieces, bool open = false) {
  ThinkTagSplitter s(open);
  Split run;
  for (const std::string& p : pieces) {
    const bool before = s.reasoning();
    SplitText out;
    s.Push(p, &out);
    run.in_reasoning.push_back(out.content.empty() &&
                               (before || s.reasoning() || !out.reasoning.empty()));
    run.reasoning += out.reasoning;
    run.content += out.content;
  }
  SplitText out;
  s.Finish(&out);
  run.reasoning += out.reasoning;
  run.content += out.content;
  return run;
}

// Every way of cutting `text` into two pieces, and one byte at a time, gives the same split.
void ExpectSplitAnyhow(const std::string& text, const std::string& reasoning,
                       const std::string& content, bool open = false) {
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    const Split r = Feed({text.substr(0, cut), text.substr(cut)}, open);
    EXPECT_EQ(r.reasoning, reasoning) << "cut at " << cut;
    EXPECT_EQ(r.content, content) << "cut at " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  const Split r = Feed(bytes, open);
  EXPECT_EQ(r.reasoning, reasoning);
  EXPECT_EQ(r.content, content);
}

TEST(ThinkTagSplitter, SplitsAThoughtFromTheAnswerWhereverTheTagsAreCut) {
  ExpectSplitAnyhow("<think>\nLet me add: 2+2=4.\n</think>\n\nIt is 4.", "Let me add: 2+2=4.",
                    "It is 4.");
}

TEST(ThinkTagSplitter, TokensOfTheThoughtItsTagsAndTheWhitespaceAfterAreReasoning) {
  const Split r = Feed({"<think>", "\n", "hm", "m", "</", "think>", "\n\n", "OK", "!"});
  EXPECT_EQ(r.reasoning, "hmm");
  EXPECT_EQ(r.content, "OK!");
  EXPECT_EQ(r.in_reasoning,
            (std::vector<bool>{true, true, true, true, true, true, true, false, false}));
}

TEST(ThinkTagSplitter, AThoughtNeverClosedIsAllReasoning) {
  // Generation stopped mid-thought (max_tokens), even with half a closing tag at the end.
  ExpectSplitAnyhow("<think>\nStill thinking", "Still thinking", "");
  ExpectSplitAnyhow("<think>\nStill thinking </thi", "Still thinking </thi", "");
  const Split r = Feed({"<think>", "a", "b"});
  EXPECT_EQ(r.in_reasoning, (std::vector<bool>{true, true, true}));
}

TEST(ThinkTagSplitter, AnOutputThatStartsInsideTheThoughtHasOnlyTheClosingTag) {
  // The template's generation prompt ended with "<think>\n" (DeepSeek-R1).
  ExpectSplitAnyhow("Okay, the user asks.\n</think>\n\nHello!", "Okay, the user asks.", "Hello!",
                    /*open=*/true);
  ExpectSplitAnyhow("no end", "no end", "", /*open=*/true);
}

TEST(ThinkTagSplitter, TextBeforeTheTagMeansNoThought) {
  // Only an output that starts with <think> thinks (llama.cpp, Ollama): a model writing about
  // the tag in its answer is not reasoning.
  ExpectSplitAnyhow("Use <think>x</think> tags.", "", "Use <think>x</think> tags.");
  ExpectSplitAnyhow("<thinking is fun>", "", "<thinking is fun>");
  ExpectSplitAnyhow("<thi", "", "<thi");  // cut short, never a tag
  // Whitespace before the tag is not text.
  ExpectSplitAnyhow("\n <think>a</think>b", "a", "b");
}

TEST(ThinkTagSplitter, OnlyTheFirstThoughtIsReasoning) {
  ExpectSplitAnyhow("<think>a</think>b <think>c</think>", "a", "b <think>c</think>");
}

TEST(ThinkTagSplitter, AnEmptyThoughtLeavesOnlyTheAnswer) {
  // Qwen3 with thinking switched off writes an empty thought.
  ExpectSplitAnyhow("<think>\n\n</think>\n\nHi", "", "Hi");
}

TEST(ThinkTagSplitter, WhitespaceInsideTheThoughtIsKept) {
  ExpectSplitAnyhow("<think>a\n\nb </think>c", "a\n\nb", "c");
  const Split r = Feed({"<think>a", "\n\n", "b"});
  EXPECT_EQ(r.reasoning, "a\n\nb");
}

// A toy prefix parser: "a|b" is reasoning a then content b; before any '|' all is reasoning.
PrefixSplit ToyParse(std::string_view text) {
  const size_t bar = text.find('|');
  if (bar == std::string_view::npos) return {"", std::string(text), true};
  return {std::string(text.substr(bar + 1)), std::string(text.substr(0, bar)), false};
}

TEST(PrefixParserSplitter, SendsWhatEachReparseAdded) {
  PrefixParserSplitter s(ToyParse);
  SplitText out;
  s.Push("th", &out);
  EXPECT_TRUE(s.reasoning());
  s.Push("ink|", &out);
  EXPECT_FALSE(s.reasoning());
  s.Push("ans", &out);
  s.Push("wer", &out);
  s.Finish(&out);
  EXPECT_EQ(out.reasoning, "think");
  EXPECT_EQ(out.content, "answer");
}

TEST(ReasoningFormat, IsARequestFieldWithLlamaCppsNames) {
  GenerateRequest req;
  const Field& f = *FindField("reasoning_format", Group::kTop);
  EXPECT_FALSE(
      ReadFlatJson(boost::json::parse(R"({"reasoning_format":"none"})").as_object(), &req));
  EXPECT_EQ(req.reasoning_format, ReasoningFormat::kNone);
  EXPECT_FALSE(
      ReadFlatJson(boost::json::parse(R"({"reasoning_format":"deepseek"})").as_object(), &req));
  EXPECT_EQ(req.reasoning_format, ReasoningFormat::kAuto);
  std::optional<RequestError> err =
      ReadFlatJson(boost::json::parse(R"({"reasoning_format":"yes"})").as_object(), &req);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->field, "reasoning_format");
  EXPECT_EQ(err->message, "'reasoning_format' must be one of auto, deepseek, none");
  EXPECT_TRUE(ReadFlatJson(boost::json::parse(R"({"reasoning_format":1})").as_object(), &req));
  EXPECT_EQ(DefaultText(f), "auto");
}

}  // namespace
}  // namespace inferno::request

namespace inferno::request {
namespace {

// gpt-oss output fed a byte at a time, as tokens would arrive: the analysis channel is the
// reasoning, the final channel the content, and the splitter says "thinking" until the
// analysis message ends.
TEST(HarmonySplitter, AnalysisIsReasoningFinalIsContentByteByByte) {
  const std::string text =
      "<|channel|>analysis<|message|>User greets. Reply.<|end|>"
      "<|start|>assistant<|channel|>final<|message|>Hello there!";
  std::unique_ptr<ReasoningSplitter> s = MakeHarmonySplitter();
  SplitText all;
  bool thinking_seen = false, thinking_after_end = false;
  const size_t end_of_analysis = text.find("<|end|>") + 7;
  for (size_t i = 0; i < text.size(); ++i) {
    SplitText out;
    s->Push(text.substr(i, 1), &out);
    all.reasoning += out.reasoning;
    all.content += out.content;
    if (i > 40 && i < end_of_analysis - 8) thinking_seen = thinking_seen || s->reasoning();
    if (i >= end_of_analysis) thinking_after_end = thinking_after_end || s->reasoning();
  }
  SplitText out;
  s->Finish(&out);
  all.reasoning += out.reasoning;
  all.content += out.content;
  EXPECT_EQ(all.reasoning, "User greets. Reply.");
  EXPECT_EQ(all.content, "Hello there!");
  EXPECT_TRUE(thinking_seen);
  EXPECT_FALSE(thinking_after_end);
}

}  // namespace
}  // namespace inferno::request
