// ChatTemplate runs the model's own template: its renderings are checked against Hugging
// Face's renderings of real templates (shared/fixtures/templates/expected), not against
// strings of our own.
#include "engine/tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "templates";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TemplateText(const std::string& stem) {
  return ReadAll(kFixtures / "jinja" / (stem + ".jinja"));
}

// The messages of a fixture case (one whose contents are all strings).
std::vector<ChatMessage> CaseMessages(const std::string& id, bool* add_generation_prompt) {
  const boost::json::value cases = boost::json::parse(ReadAll(kFixtures / "cases.json"));
  std::vector<ChatMessage> out;
  for (const auto& c : cases.at("cases").as_array()) {
    if (c.at("id").as_string() != id) continue;
    *add_generation_prompt = c.at("context").at("add_generation_prompt").as_bool();
    for (const auto& m : c.at("context").at("messages").as_array()) {
      out.push_back(
          {std::string(m.at("role").as_string()), std::string(m.at("content").as_string())});
    }
  }
  return out;
}

// Templates without strftime_now (whose output would carry today's date), across families.
const char* const kTemplates[] = {
    "Qwen-Qwen2.5-7B-Instruct",
    "Qwen-Qwen3-0.6B",
    "meta-llama-Llama-3.1-8B-Instruct",
    "google-gemma-2-2b-it",
    "microsoft-Phi-3.5-mini-instruct",
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
    "unsloth-mistral-Devstral-Small-2507",
    "moonshotai-Kimi-K2",
};
const char* const kCaseIds[] = {"user-only", "system-multi", "multi-nogen"};

TEST(ChatTemplate, RendersRealTemplatesAsHuggingFaceDoes) {
  int compared = 0;
  for (const char* stem : kTemplates) {
    const ChatTemplate t = ChatTemplate::Detect(TemplateText(stem));
    EXPECT_TRUE(t.warning.empty()) << stem << ": " << t.warning;
    for (const char* id : kCaseIds) {
      bool gen = false;
      const std::vector<ChatMessage> messages = CaseMessages(id, &gen);
      ASSERT_FALSE(messages.empty()) << id;
      const Result<std::string> out = t.Apply(messages, gen, "<s>", "</s>");
      const fs::path expected = kFixtures / "expected" / stem;
      if (fs::exists(expected / (std::string(id) + ".error.txt"))) {
        EXPECT_FALSE(out.ok()) << stem << " / " << id;
        continue;
      }
      ASSERT_TRUE(out.ok()) << stem << " / " << id << ": " << out.status().message();
      std::string want = ReadAll(expected / (std::string(id) + ".txt"));
      // The tokenizer adds the leading BOS, so Apply leaves it out.
      if (want.starts_with("<s>")) want.erase(0, 3);
      EXPECT_EQ(*out, want) << stem << " / " << id;
      ++compared;
    }
  }
  EXPECT_GE(compared, 20);
}

// Extra variables reach the template as transformers passes apply_chat_template's kwargs:
// Qwen3 with enable_thinking false writes an empty thought, as Hugging Face renders it.
TEST(ChatTemplate, ExtraVariablesReachTheTemplate) {
  const ChatTemplate t = ChatTemplate::Detect(TemplateText("Qwen-Qwen3-0.6B"));
  bool gen = false;
  const std::vector<ChatMessage> messages = CaseMessages("no-thinking", &gen);
  ASSERT_EQ(messages.size(), 1u);
  const boost::json::object extra{{"enable_thinking", false}};
  const Result<std::string> out = t.Apply(messages, gen, "<s>", "</s>", &extra);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, ReadAll(kFixtures / "expected" / "Qwen-Qwen3-0.6B" / "no-thinking.txt"));
  const Result<std::string> thinking = t.Apply(messages, gen, "<s>", "</s>");
  ASSERT_TRUE(thinking.ok());
  EXPECT_NE(*thinking, *out);  // without it the template leaves the thought to the model
  // A variable the request itself sets cannot be overridden.
  const boost::json::object clash{{"messages", boost::json::array{}}};
  const Result<std::string> refused = t.Apply(messages, gen, "<s>", "</s>", &clash);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'messages'"), std::string::npos);
}

TEST(ChatTemplate, NamesTheFamily) {
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("Qwen-Qwen2.5-7B-Instruct")).Name(), "chatml");
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("meta-llama-Llama-3.1-8B-Instruct")).Name(),
            "llama3");
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("google-gemma-2-2b-it")).Name(), "gemma");
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("microsoft-Phi-3.5-mini-instruct")).Name(), "phi3");
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("unsloth-mistral-Devstral-Small-2507")).Name(),
            "mistral");
  EXPECT_EQ(ChatTemplate::Detect("{{ messages[0].content }}").Name(), "jinja");
  EXPECT_EQ(ChatTemplate::Detect(TemplateText("google-gemma-2-2b-it")).StopStrings(),
            std::vector<std::string>{"<end_of_turn>"});
}

TEST(ChatTemplate, RefusalCarriesTheTemplatesMessage) {
  const ChatTemplate t = ChatTemplate::Detect(TemplateText("google-gemma-2-2b-it"));
  const Result<std::string> out =
      t.Apply(std::vector<ChatMessage>{{"system", "Be brief."}, {"user", "Hi"}}, true);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "chat template: System role not supported");
}

TEST(ChatTemplate, MissingOrBrokenTemplateFallsBackToChatMLWithWarning) {
  for (const char* text : {"", "{% if %}"}) {
    const ChatTemplate t = ChatTemplate::Detect(text);
    EXPECT_EQ(t.kind, ChatTemplateKind::kChatML);
    EXPECT_FALSE(t.warning.empty()) << text;
    EXPECT_EQ(t.Name(), "chatml");
    EXPECT_EQ(t.StopStrings(), std::vector<std::string>{"<|im_end|>"});
    const Result<std::string> out = t.Apply(std::vector<ChatMessage>{{"user", "Hi"}}, true);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(*out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  }
  EXPECT_NE(ChatTemplate::Detect("{% if %}").warning.find("template:1:"), std::string::npos);
}

TEST(NormalizeChatRole, AcceptsTheThreeRolesAndDeveloperAsSystem) {
  for (const char* ok : {"system", "user", "assistant"}) {
    std::string role = ok;
    EXPECT_TRUE(NormalizeChatRole(&role).ok()) << ok;
    EXPECT_EQ(role, ok);
  }
  std::string developer = "developer";
  EXPECT_TRUE(NormalizeChatRole(&developer).ok());
  EXPECT_EQ(developer, "system");
  for (const char* bad : {"tool", "evil", "", "User"}) {
    std::string role = bad;
    const Status st = NormalizeChatRole(&role);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(st.message(),
              "unsupported role '" + std::string(bad) + "' (system, user, assistant)");
  }
}

}  // namespace
}  // namespace inferno
