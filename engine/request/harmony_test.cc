#include "engine/request/harmony.h"

#include <gtest/gtest.h>

#include <string>

namespace inferno {
namespace {

TEST(Harmony, SplitsAnalysisFromFinal) {
  const HarmonyParse p = ParseHarmony(
      "<|channel|>analysis<|message|>User greets. Reply briefly.<|end|>"
      "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?<|return|>");
  EXPECT_EQ(p.reasoning, "User greets. Reply briefly.");
  EXPECT_EQ(p.content, "Hello! How can I help?");
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(p.messages[0].channel, "analysis");
  EXPECT_TRUE(p.messages[0].complete);
  EXPECT_EQ(p.messages[1].role, "assistant");
  EXPECT_EQ(p.messages[1].channel, "final");
  EXPECT_TRUE(p.messages[1].complete);
}

TEST(Harmony, PlainTextIsContent) {
  const HarmonyParse p = ParseHarmony("Just an answer, no channels.");
  EXPECT_EQ(p.reasoning, "");
  EXPECT_EQ(p.content, "Just an answer, no channels.");
}

TEST(Harmony, PromptThatOpenedTheAnalysisChannel) {
  HarmonyOptions o;
  o.open_channel = "analysis";
  const HarmonyParse p =
      ParseHarmony("thinking...<|end|><|start|>assistant<|channel|>final<|message|>42", o);
  EXPECT_EQ(p.reasoning, "thinking...");
  EXPECT_EQ(p.content, "42");
  EXPECT_FALSE(p.messages.back().complete);
}

// Every prefix of a generation parses; markers are never half shown, and the fields only grow.
TEST(Harmony, StreamingPrefixesNeverLeakMarkers) {
  const std::string full =
      "<|channel|>analysis<|message|>a < b, so<|end|>"
      "<|start|>assistant<|channel|>final<|message|>b wins<|return|>";
  std::string last_reasoning, last_content;
  for (size_t n = 0; n <= full.size(); ++n) {
    const HarmonyParse p = ParseHarmony(std::string_view(full).substr(0, n));
    EXPECT_EQ(p.reasoning.find("<|"), std::string::npos) << n << ": " << p.reasoning;
    EXPECT_EQ(p.content.find("<|"), std::string::npos) << n << ": " << p.content;
    EXPECT_EQ(p.reasoning.substr(0, last_reasoning.size()), last_reasoning) << n;
    EXPECT_EQ(p.content.substr(0, last_content.size()), last_content) << n;
    last_reasoning = p.reasoning;
    last_content = p.content;
  }
  EXPECT_EQ(last_reasoning, "a < b, so");
  EXPECT_EQ(last_content, "b wins");
}

TEST(Harmony, ToolCallsAreListedButNotContent) {
  const HarmonyParse p = ParseHarmony(
      "<|channel|>analysis<|message|>Need weather.<|end|>"
      "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"
      "<|message|>{\"city\":\"Paris\"}<|call|>");
  EXPECT_EQ(p.reasoning, "Need weather.");
  EXPECT_EQ(p.content, "");
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(p.messages[1].channel, "commentary");
  EXPECT_EQ(p.messages[1].recipient, "functions.get_weather");
  EXPECT_EQ(p.messages[1].format, "json");
  EXPECT_EQ(p.messages[1].text, "{\"city\":\"Paris\"}");
  EXPECT_TRUE(p.messages[1].complete);
}

TEST(Harmony, RecipientBeforeChannelAndPreambles) {
  const HarmonyParse p = ParseHarmony(
      "<|channel|>commentary<|message|>Let me check.<|end|>"
      "<|start|>assistant to=functions.f<|channel|>commentary json<|message|>{}<|call|>");
  EXPECT_EQ(p.content, "Let me check.");  // a preamble, shown as llama.cpp does
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(p.messages[1].recipient, "functions.f");
  EXPECT_EQ(p.messages[1].format, "json");
}

// gpt-oss sometimes skips <|end|> or repeats analysis; every analysis message is reasoning.
TEST(Harmony, MissingEndsAndSeveralAnalysisMessages) {
  const HarmonyParse p = ParseHarmony(
      "<|channel|>analysis<|message|>one<|end|><|start|>assistant<|channel|>analysis"
      "<|message|>two<|channel|>final<|message|>done");
  EXPECT_EQ(p.reasoning, "one\ntwo");
  EXPECT_EQ(p.content, "done");
  ASSERT_EQ(p.messages.size(), 3u);
  EXPECT_FALSE(p.messages[1].complete);
}

TEST(Harmony, IncompleteHeaderWaits) {
  const HarmonyParse p =
      ParseHarmony("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>fin");
  EXPECT_EQ(p.reasoning, "x");
  EXPECT_EQ(p.content, "");
  EXPECT_EQ(p.messages.size(), 1u);
}

}  // namespace
}  // namespace inferno
