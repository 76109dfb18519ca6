// The chat part of the request schema: OpenAI-shaped messages with tool calls and results
// and the tools offered, read and then rendered by real templates exactly as Hugging Face
// renders the same conversation (shared/fixtures/templates/expected), and refused with a
// message naming the field when malformed.
#include "engine/request/chat_messages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/template/fixture_clock.h"

namespace inferno::request {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kFixtures = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "templates";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::object CaseContext(const std::string& id) {
  const json::value cases = json::parse(ReadAll(kFixtures / "cases.json"));
  for (const auto& c : cases.at("cases").as_array()) {
    if (c.at("id").as_string() == id) return c.at("context").as_object();
  }
  return {};
}

// The case as an OpenAI client sends it: arguments as JSON text, tool results without the
// function's name (the reader finds it from the call).
json::object AsOpenAiRequest(json::object ctx) {
  for (json::value& m : ctx.at("messages").as_array()) {
    json::object& o = m.as_object();
    if (o.at("role") == "tool") o.erase("name");
    if (!o.contains("tool_calls")) continue;
    for (json::value& c : o.at("tool_calls").as_array()) {
      json::value& args = c.at("function").as_object()["arguments"];
      args = json::serialize(args);
    }
  }
  return ctx;
}

const char* const kToolTemplates[] = {
    "openai-gpt-oss-120b",
    "meta-llama-Llama-3.2-3B-Instruct",
    "Mistral-Small-3.2-24B-Instruct-2506",
    "ibm-granite-granite-3.3-2B-Instruct",
    "Qwen-Qwen2.5-7B-Instruct",
    "Qwen-Qwen3-0.6B",
    "Qwen3.5-4B",
    "Qwen3-Coder",
    "meta-llama-Llama-3.1-8B-Instruct",
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
    "deepseek-ai-DeepSeek-V3.1",
    "unsloth-mistral-Devstral-Small-2507",
    "mistralai-Ministral-3-14B-Reasoning-2512",
    "moonshotai-Kimi-K2",
};

TEST(ChatMessages, ToolConversationsRenderAsHuggingFaceDoes) {
  int compared = 0;
  for (const char* stem : kToolTemplates) {
    const ChatTemplate t =
        ChatTemplate::Detect(ReadAll(kFixtures / "jinja" / (std::string(stem) + ".jinja")));
    ASSERT_TRUE(t.warning.empty()) << stem << ": " << t.warning;
    for (const char* id : {"tools-offer", "tool-roundtrip"}) {
      const json::object ctx = CaseContext(id);
      GenerateRequest req;
      const json::object body = AsOpenAiRequest(ctx);
      ASSERT_FALSE(ReadChatMessages(body, &req).has_value()) << stem << " / " << id;
      ASSERT_FALSE(ReadTools(body, &req).has_value()) << stem << " / " << id;
      const Result<std::string> out =
          t.Apply(req.messages, ctx.at("add_generation_prompt").as_bool(), "<s>", "</s>", nullptr,
                  &req.tools, FixtureClock());
      const fs::path expected = kFixtures / "expected" / stem;
      if (fs::exists(expected / (std::string(id) + ".error.txt"))) {
        EXPECT_FALSE(out.ok()) << stem << " / " << id;
        continue;
      }
      ASSERT_TRUE(out.ok()) << stem << " / " << id << ": " << out.status().message();
      std::string want = ReadAll(expected / (std::string(id) + ".txt"));
      if (want.starts_with("<s>")) want.erase(0, 3);  // the tokenizer adds BOS
      EXPECT_EQ(*out, want) << stem << " / " << id;
      ++compared;
    }
  }
  EXPECT_GE(compared, 20);
}

// The tool result's name comes from the call it answers; null content is empty.
TEST(ChatMessages, ReadsCallsAndResults) {
  const json::object body = json::parse(R"({"messages":[
    {"role":"user","content":"Weather?"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function",
      "function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},
    {"role":"tool","tool_call_id":"call_9","content":"18C"}]})")
                                .as_object();
  GenerateRequest req;
  ASSERT_FALSE(ReadChatMessages(body, &req).has_value());
  ASSERT_EQ(req.messages.size(), 3u);
  EXPECT_EQ(req.messages[1].content, "");
  ASSERT_EQ(req.messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(req.messages[1].tool_calls[0].arguments, R"({"location":"Paris"})");
  EXPECT_EQ(req.messages[2].role, "tool");
  EXPECT_EQ(req.messages[2].tool_call_id, "call_9");
  EXPECT_EQ(req.messages[2].name, "get_weather");
}

// Ollama's shapes: arguments as an object, the result's function as tool_name.
TEST(ChatMessages, ReadsOllamasShapes) {
  const json::object body = json::parse(R"({"messages":[
    {"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},
    {"role":"tool","tool_name":"f","content":"2"}]})")
                                .as_object();
  GenerateRequest req;
  ASSERT_FALSE(ReadChatMessages(body, &req).has_value());
  EXPECT_EQ(req.messages[0].tool_calls[0].arguments, R"({"a":1})");
  EXPECT_EQ(req.messages[1].name, "f");
}

std::string Field(const char* body, bool tools = true) {
  GenerateRequest req;
  const json::object o = json::parse(body).as_object();
  std::optional<RequestError> err = ReadChatMessages(o, &req);
  if (!err && tools) err = ReadTools(o, &req);
  return err ? err->field + ": " + err->message : "";
}

TEST(ChatMessages, RefusesMalformedToolsWithTheField) {
  const char* tool = R"({"type":"function","function":{"name":"get_weather","parameters":{}}})";
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  auto body = [&](const std::string& rest) { return "{" + msgs + "," + rest + "}"; };
  EXPECT_EQ(Field(body(R"("tools":{})").c_str()), "tools: 'tools' must be an array");
  EXPECT_EQ(Field(body(R"("tools":[{"type":"retrieval"}])").c_str()),
            "tools[0].type: 'tools[0].type' must be \"function\"");
  EXPECT_EQ(Field(body(R"("tools":[{"type":"function","function":{"name":"a b"}}])").c_str()),
            "tools[0].function.name: 'tools[0].function.name' must be 1 to 64 letters, digits, "
            "underscores, dots or dashes");
  EXPECT_EQ(Field(body(std::string(R"("tools":[)") + tool + R"(],"tool_choice":"maybe")").c_str())
                .substr(0, 13),
            "tool_choice: ");
  EXPECT_EQ(Field(body(std::string(R"("tools":[)") + tool +
                       R"(],"tool_choice":{"type":"function","function":{"name":"other"}})")
                      .c_str()),
            "tool_choice: 'tool_choice' names 'other', which is not in 'tools'");
  EXPECT_EQ(Field(body(R"("tool_choice":"required")").c_str()),
            "tool_choice: 'tool_choice' \"required\" needs 'tools'");
  EXPECT_EQ(Field(body(R"("parallel_tool_calls":1)").c_str()),
            "parallel_tool_calls: 'parallel_tool_calls' must be a boolean");
  EXPECT_EQ(Field(R"({"messages":[{"role":"assistant","tool_calls":[{"function":{}}]}]})"),
            "messages[0].tool_calls[0].function.name: 'messages[0].tool_calls[0].function.name' "
            "is required");
  EXPECT_EQ(Field(R"({"messages":[{"role":"user","content":"x","tool_calls":[]}]})"),
            "messages[0].tool_calls: 'messages[0].tool_calls' is only for assistant messages");
  EXPECT_EQ(Field(R"({"messages":[{"role":"robot","content":"x"}]})"),
            "messages[0].role: unsupported role 'robot' (system, user, assistant, tool)");
  GenerateRequest req;
  const json::object ok =
      json::parse(body(std::string(R"("tools":[)") + tool +
                       R"(],"tool_choice":{"type":"function","function":{"name":"get_weather"}},
                       "parallel_tool_calls":false)"))
          .as_object();
  ASSERT_FALSE(ReadChatMessages(ok, &req).has_value());
  ASSERT_FALSE(ReadTools(ok, &req).has_value());
  EXPECT_EQ(req.tool_choice.mode, ToolChoiceMode::kNamed);
  EXPECT_EQ(req.tool_choice.name, "get_weather");
  EXPECT_FALSE(req.parallel_tool_calls);
  EXPECT_EQ(req.tools.size(), 1u);
}

// Images: OpenAI's image_url parts become the media marker where they stood (text parts joined
// as llama.cpp's server joins them around images), Ollama's `images` go before the text.
TEST(ChatMessagesImages, ImageUrlPartsAndOllamaImages) {
  GenerateRequest req;
  ASSERT_FALSE(ReadChatMessages(json::parse(R"({"messages":[
      {"role":"user","content":[{"type":"text","text":"One"},{"type":"text","text":"two"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
        {"type":"text","text":"three"}]},
      {"role":"assistant","content":"ok"},
      {"role":"user","content":"again","images":["QkJC","https://x.test/c.png"]}]})")
                                    .as_object(),
                                &req));
  ASSERT_EQ(req.messages.size(), 3u);
  EXPECT_EQ(req.messages[0].content, "One\ntwo<__media__>three");
  EXPECT_EQ(req.messages[2].content, "<__media__><__media__>again");
  EXPECT_EQ(req.images, (std::vector<std::string>{"data:image/png;base64,AAAA", "data:;base64,QkJC",
                                                  "https://x.test/c.png"}));
}

TEST(ChatMessagesImages, MalformedImagesNameTheirField) {
  auto field = [](const char* body) {
    GenerateRequest req;
    std::optional<RequestError> err = ReadChatMessages(json::parse(body).as_object(), &req);
    return err ? err->field : "(none)";
  };
  EXPECT_EQ(field(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})"),
            "messages[0].content[0]");
  EXPECT_EQ(field(R"({"messages":[{"role":"user","content":[{"type":"audio"}]}]})"),
            "messages[0].content");
  EXPECT_EQ(field(R"({"messages":[{"role":"user","content":"x","images":[5]}]})"),
            "messages[0].images");
}

}  // namespace
}  // namespace inferno::request
