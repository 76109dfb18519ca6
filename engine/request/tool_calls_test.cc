// The tool-call parsers on the shapes real models write, fed whole, split at every byte and a
// byte at a time: the streamed deltas must add up to the same calls and answer every time.
#include "engine/request/tool_calls.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine/request/reasoning.h"

namespace inferno::request {
namespace {

struct Result {
  std::string content;
  std::vector<ChatToolCall> calls;
  bool first_deltas_named = true;  // each call's first delta had its id and name
};

// Runs `pieces` through a parser of `format`, with a reasoning splitter when given.
Result RunParser(ToolFormat format, const std::vector<std::string>& pieces,
                 std::unique_ptr<ReasoningSplitter> splitter = nullptr, bool parallel = true,
                 std::string prefix = "") {
  ToolParserOptions options;
  options.format = format;
  options.parallel = parallel;
  options.prefix = std::move(prefix);
  PrefixToolCallParser parser(options);
  Result r;
  auto take = [&](const ToolCallOutput& out) {
    r.content += out.content;
    for (const ToolCallDelta& d : out.calls) {
      if (d.index >= int(r.calls.size()) && (d.id.empty() || d.name.empty())) {
        r.first_deltas_named = false;
      }
    }
    AddToolCallDeltas(out.calls, &r.calls);
  };
  for (size_t i = 0; i <= pieces.size(); ++i) {
    const bool last = i == pieces.size();
    const std::string raw = last ? "" : pieces[i];
    SplitText split{raw, ""};
    if (splitter) {
      split = {};
      splitter->Push(raw, &split);
      if (last) splitter->Finish(&split);
    }
    ToolCallOutput out;
    parser.Push(raw, split.content, &out);
    if (last) parser.Finish(&out);
    take(out);
  }
  return r;
}

using SplitterMaker = std::function<std::unique_ptr<ReasoningSplitter>()>;

// The text whole, in two pieces at every byte, and a byte at a time: all give `want`.
void ExpectEverySplit(ToolFormat format, const std::string& text, const std::string& content,
                      const std::vector<std::pair<std::string, std::string>>& calls,
                      const SplitterMaker& splitter = {}) {
  auto check = [&](const std::vector<std::string>& pieces, const std::string& how) {
    const Result r = RunParser(format, pieces, splitter ? splitter() : nullptr);
    EXPECT_EQ(r.content, content) << how;
    ASSERT_EQ(r.calls.size(), calls.size()) << how;
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(r.calls[i].name, calls[i].first) << how;
      EXPECT_EQ(r.calls[i].arguments, calls[i].second) << how;
      EXPECT_TRUE(r.calls[i].id.starts_with("call_")) << how;
    }
    EXPECT_TRUE(r.first_deltas_named) << how;
  };
  check({text}, "whole");
  for (size_t k = 1; k < text.size(); ++k) {
    check({text.substr(0, k), text.substr(k)}, "split at " + std::to_string(k));
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.push_back(std::string(1, c));
  check(bytes, "byte by byte");
}

TEST(ToolCalls, HermesQwen) {
  ExpectEverySplit(ToolFormat::kHermes,
                   "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": "
                   "\"Paris\", \"unit\": \"celsius\"}}\n</tool_call>",
                   "", {{"get_weather", R"({"location": "Paris", "unit": "celsius"})"}});
  // Text before the call streams as the answer; parallel calls get 0, 1.
  ExpectEverySplit(
      ToolFormat::kHermes,
      "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
      "{\"location\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"search\", "
      "\"arguments\": {\"query\": \"a < b\"}}\n</tool_call>",
      "Let me check both.\n",
      {{"get_weather", R"({"location": "Paris"})"}, {"search", R"({"query": "a < b"})"}});
  // No call: all answer, a "<" that starts no tag included.
  ExpectEverySplit(ToolFormat::kHermes, "1 < 2 and <b>bold</b> <tool",
                   "1 < 2 and <b>bold</b> <tool", {});
}

TEST(ToolCalls, Qwen3ThinksThenCalls) {
  ExpectEverySplit(ToolFormat::kHermes,
                   "<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{\"name\": "
                   "\"get_weather\", \"arguments\": {\"location\": \"Paris\"}}\n</tool_call>",
                   "", {{"get_weather", R"({"location": "Paris"})"}},
                   [] { return std::make_unique<ThinkTagSplitter>(); });
}

TEST(ToolCalls, QwenXml) {
  ExpectEverySplit(ToolFormat::kQwenXml,
                   "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis, "
                   "France\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</"
                   "tool_call>",
                   "", {{"get_weather", R"({"location": "Paris, France", "days": 3})"}});
}

TEST(ToolCalls, Llama3Json) {
  ExpectEverySplit(ToolFormat::kLlama3,
                   "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Paris\"}}", "",
                   {{"get_weather", R"({"location": "Paris"})"}});
  ExpectEverySplit(ToolFormat::kLlama3,
                   "<|python_tag|>brave_search.call(query=\"weather in Paris\")", "",
                   {{"brave_search", R"({"query":"weather in Paris"})"}});
  ExpectEverySplit(ToolFormat::kLlama3, "<|python_tag|>print(17 * 23)", "",
                   {{"python", R"j({"code":"print(17 * 23)"})j"}});
  // A reply that is JSON but no call, and plain text, are the answer.
  ExpectEverySplit(ToolFormat::kLlama3, "{\"answer\": 42}", "{\"answer\": 42}", {});
  ExpectEverySplit(ToolFormat::kLlama3, "  It is sunny {today}.", "  It is sunny {today}.", {});
}

TEST(ToolCalls, MistralBothForms) {
  ExpectEverySplit(
      ToolFormat::kMistral,
      "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": "
      "\"Paris\"}, \"id\": \"a1b2c3d4e\"}, {\"name\": \"search\", \"arguments\": "
      "{\"query\": \"[x]\"}}]",
      "", {{"get_weather", R"({"location": "Paris"})"}, {"search", R"({"query": "[x]"})"}});
  ExpectEverySplit(ToolFormat::kMistral,
                   "Checking.[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}[TOOL_CALLS]"
                   "search[ARGS]{\"query\": \"x\"}",
                   "Checking.",
                   {{"get_weather", R"({"location": "Paris"})"}, {"search", R"({"query": "x"})"}});
}

TEST(ToolCalls, HarmonyCommentary) {
  // The stop at <|call|> leaves the call's message unterminated.
  ExpectEverySplit(ToolFormat::kHarmony,
                   "<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant"
                   "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
                   "{\"location\":\"Paris\"}",
                   "", {{"get_weather", R"({"location":"Paris"})"}},
                   [] { return MakeHarmonySplitter(); });
}

TEST(ToolCalls, DeepSeekR1AndV31) {
  ExpectEverySplit(ToolFormat::kDeepSeek,
                   "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
                   "```json\n{\"location\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
                   "", {{"get_weather", R"({"location": "Paris"})"}});
  ExpectEverySplit(ToolFormat::kDeepSeek,
                   "Sure.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\""
                   "location\": \"Paris\"}<｜tool▁call▁end｜><｜tool▁call▁begin｜>search<｜tool▁sep"
                   "｜>{\"query\": \"x\"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
                   "Sure.",
                   {{"get_weather", R"({"location": "Paris"})"}, {"search", R"({"query": "x"})"}});
}

TEST(ToolCalls, GenericJson) {
  ExpectEverySplit(ToolFormat::kGeneric,
                   "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"location\": "
                   "\"Paris\"}}]}",
                   "", {{"get_weather", R"({"location":"Paris"})"}});
  ExpectEverySplit(ToolFormat::kGeneric, "{\"response\": \"Hello!\"}", "Hello!", {});
  ExpectEverySplit(ToolFormat::kGeneric, "Hello {there}", "Hello {there}", {});
}

TEST(ToolCalls, ArgumentsStreamAsTheyAreWritten) {
  ToolParserOptions options;
  options.format = ToolFormat::kHermes;
  ToolCallOutput a, b, c, none;
  const std::string head = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": ";
  PrefixToolCallParser p2(options);
  p2.Push(head, head, &a);
  p2.Push("", "", &none);  // nothing new, nothing sent
  EXPECT_TRUE(none.calls.empty());
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].index, 0);
  EXPECT_EQ(a.calls[0].name, "f");
  EXPECT_EQ(a.calls[0].arguments, "{\"x\": ");
  p2.Push("12", "12", &b);
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_TRUE(b.calls[0].id.empty());
  EXPECT_EQ(b.calls[0].arguments, "12");
  p2.Push("}}\n</tool_call>", "}}\n</tool_call>", &c);
  ASSERT_EQ(c.calls.size(), 1u);
  EXPECT_EQ(c.calls[0].arguments, "}");
  EXPECT_EQ(p2.calls(), 1);
}

TEST(ToolCalls, OneCallWhenNotParallel) {
  const Result r =
      RunParser(ToolFormat::kHermes,
                {"<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call><tool_call>{"
                 "\"name\": \"b\", \"arguments\": {}}</tool_call>"},
                nullptr, /*parallel=*/false);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "a");
}

TEST(ToolCalls, ForcedPrefixIsTheOutputsStart) {
  const std::string prefix = ForcedCallPrefix(ToolFormat::kHermes, "", "get_weather");
  EXPECT_EQ(prefix, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
  const Result r = RunParser(ToolFormat::kHermes, {"{\"location\": \"Paris\"}}\n</tool_call>"},
                             nullptr, true, prefix);
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "get_weather");
  EXPECT_EQ(r.calls[0].arguments, R"({"location": "Paris"})");
  // "required": the model names the function.
  const Result any = RunParser(ToolFormat::kMistral, {"search[ARGS]{\"query\": \"x\"}"}, nullptr,
                               true, ForcedCallPrefix(ToolFormat::kMistral, "[ARGS]", ""));
  ASSERT_EQ(any.calls.size(), 1u);
  EXPECT_EQ(any.calls[0].name, "search");
}

// gpt-oss with a named tool_choice: the prompt ends inside the call's header, so the output is
// its body; the harmony splitter and the parser both read it after that opening.
TEST(ToolCalls, ForcedHarmonyCallIsNoAnswerText) {
  const std::string prefix = ForcedCallPrefix(ToolFormat::kHarmony, "", "get_weather");
  EXPECT_EQ(prefix, "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>");
  const Result r = RunParser(ToolFormat::kHarmony, {"{\"location\":", "\"Paris\"}"},
                             MakeHarmonySplitter(prefix), true, prefix);
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "get_weather");
  EXPECT_EQ(r.calls[0].arguments, R"({"location":"Paris"})");
}

TEST(ToolCalls, MistralIdsAreNineLettersAndDigits) {
  const std::string id = NewToolCallId(/*mistral=*/true);
  EXPECT_EQ(id.size(), 9u);
  for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  const std::string openai = NewToolCallId(false);
  EXPECT_TRUE(openai.starts_with("call_"));
  EXPECT_NE(openai, NewToolCallId(false));
}

}  // namespace
}  // namespace inferno::request
