#include "server/anthropic_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

constexpr char kWeatherTool[] =
    R"({"name":"get_weather","description":"Weather for a city.",)"
    R"("input_schema":{"type":"object","properties":{"location":{"type":"string"}}}})";

std::optional<ApiError> Parse(const std::string& body, GenerateRequest* req,
                              AnthropicParams* p = nullptr) {
  AnthropicParams unused;
  return ParseAnthropicMessages(body, /*count_only=*/false, req, p ? p : &unused);
}

// The error's param for a body, "(none)" when it parses.
std::string ParamOf(const std::string& body) {
  GenerateRequest req;
  std::optional<ApiError> err = Parse(body, &req);
  return err ? err->param : "(none)";
}

TEST(AnthropicRequest, ReadsSystemMessagesAndSampling) {
  GenerateRequest req;
  AnthropicParams p;
  ASSERT_FALSE(Parse(R"({"model":"tiny","max_tokens":7,"stream":true,
      "system":[{"type":"text","text":"Be brief."},{"type":"text","text":" Really."}],
      "messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","content":[{"type":"text","text":"Hello"}]},
                  {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
      "stop_sequences":["END"],"temperature":0.5,"top_p":0.9,"top_k":4,
      "metadata":{"user_id":"u1"}})",
                     &req, &p));
  EXPECT_EQ(p.model, "tiny");
  EXPECT_TRUE(p.stream);
  EXPECT_EQ(req.max_tokens, 7);
  EXPECT_EQ(req.stop, std::vector<std::string>{"END"});
  EXPECT_FLOAT_EQ(req.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(req.sampling.top_p, 0.9f);
  EXPECT_EQ(req.sampling.top_k, 4);
  ASSERT_EQ(req.messages.size(), 4u);
  EXPECT_EQ(req.messages[0].role, "system");
  EXPECT_EQ(req.messages[0].content, "Be brief. Really.");
  EXPECT_EQ(req.messages[1].content, "Hi");
  EXPECT_EQ(req.messages[2].role, "assistant");
  EXPECT_EQ(req.messages[2].content, "Hello");
  EXPECT_EQ(req.messages[3].content, "ab");
}

// A tool round trip: the assistant's tool_use becomes its tool_calls, the user's tool_result
// blocks "tool" messages (before the user's text), the thinking given back is dropped.
TEST(AnthropicRequest, ToolUseAndToolResultBecomeCallsAndToolMessages) {
  GenerateRequest req;
  ASSERT_FALSE(Parse(std::string(R"({"max_tokens":9,"tools":[)") + kWeatherTool + R"(],
      "messages":[{"role":"user","content":"Weather?"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":""},
          {"type":"text","text":"Let me check."},
          {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]},
        {"role":"user","content":[
          {"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},
          {"type":"tool_result","tool_use_id":"toolu_1","content":"down","is_error":true},
          {"type":"text","text":"Thanks"}]}]})",
                     &req));
  ASSERT_EQ(req.messages.size(), 5u);
  const ChatMessage& call = req.messages[1];
  EXPECT_EQ(call.role, "assistant");
  EXPECT_EQ(call.content, "Let me check.");
  ASSERT_EQ(call.tool_calls.size(), 1u);
  EXPECT_EQ(call.tool_calls[0].id, "toolu_1");
  EXPECT_EQ(call.tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(call.tool_calls[0].arguments), json::parse(R"({"location":"Paris"})"));
  EXPECT_EQ(req.messages[2].role, "tool");
  EXPECT_EQ(req.messages[2].content, "18C");
  EXPECT_EQ(req.messages[2].tool_call_id, "toolu_1");
  EXPECT_EQ(req.messages[2].name, "get_weather");  // from the call it answers
  EXPECT_EQ(req.messages[3].content, "Error: down");
  EXPECT_EQ(req.messages[4].role, "user");
  EXPECT_EQ(req.messages[4].content, "Thanks");
  ASSERT_EQ(req.tools.size(), 1u);
  EXPECT_EQ(req.tools[0].at("function").at("name"), "get_weather");
  EXPECT_EQ(req.tools[0].at("function").at("parameters").at("type"), "object");
  EXPECT_EQ(req.tool_choice.mode, ToolChoiceMode::kAuto);
}

TEST(AnthropicRequest, ToolChoiceKinds) {
  auto choice = [](const std::string& c) {
    GenerateRequest req;
    EXPECT_FALSE(Parse(std::string(R"({"max_tokens":9,"tools":[)") + kWeatherTool +
                           R"(],"messages":[{"role":"user","content":"x"}],"tool_choice":)" + c +
                           "}",
                       &req));
    return req;
  };
  EXPECT_EQ(choice(R"({"type":"auto"})").tool_choice.mode, ToolChoiceMode::kAuto);
  EXPECT_EQ(choice(R"({"type":"none"})").tool_choice.mode, ToolChoiceMode::kNone);
  const GenerateRequest any = choice(R"({"type":"any","disable_parallel_tool_use":true})");
  EXPECT_EQ(any.tool_choice.mode, ToolChoiceMode::kRequired);
  EXPECT_FALSE(any.parallel_tool_calls);
  const GenerateRequest named = choice(R"({"type":"tool","name":"get_weather"})");
  EXPECT_EQ(named.tool_choice.mode, ToolChoiceMode::kNamed);
  EXPECT_EQ(named.tool_choice.name, "get_weather");
  EXPECT_TRUE(named.parallel_tool_calls);
}

TEST(AnthropicRequest, ThinkingTurnsReasoningOnAndOff) {
  GenerateRequest on;
  ASSERT_FALSE(Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":"x"}],
      "thinking":{"type":"enabled","budget_tokens":1024}})",
                     &on));
  EXPECT_EQ(on.reasoning_format, ReasoningFormat::kAuto);
  EXPECT_EQ(on.template_kwargs.at("enable_thinking"), true);
  GenerateRequest off;
  ASSERT_FALSE(Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":"x"}],
      "thinking":{"type":"disabled"}})",
                     &off));
  EXPECT_EQ(off.reasoning_format, ReasoningFormat::kNone);
  EXPECT_EQ(off.template_kwargs.at("enable_thinking"), false);
}

TEST(AnthropicRequest, OutputFormatIsAGrammar) {
  GenerateRequest req;
  ASSERT_FALSE(Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":"x"}],
      "output_config":{"format":{"type":"json_schema","schema":{"type":"object",
        "properties":{"a":{"type":"integer"}},"required":["a"]}}}})",
                     &req));
  EXPECT_NE(req.grammar, nullptr);
}

// Image blocks of a user message: base64 sources as data URLs, url sources as they are, each
// where it stood (the media marker) with the texts around it joined as text blocks join.
TEST(AnthropicRequest, ImageBlocksGoWhereTheyStand) {
  GenerateRequest req;
  ASSERT_FALSE(Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":[
      {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},
      {"type":"text","text":"What is "},{"type":"text","text":"this?"},
      {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}]})",
                     &req));
  ASSERT_EQ(req.messages.size(), 1u);
  EXPECT_EQ(req.messages[0].content, "<__media__>What is this?<__media__>");
  ASSERT_EQ(req.images.size(), 2u);
  EXPECT_EQ(req.images[0], "data:image/png;base64,AAAA");
  EXPECT_EQ(req.images[1], "https://example.com/a.jpg");
  // An image only in the assistant's turn is refused, naming the block.
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,"messages":[{"role":"user","content":"x"},)"
                    R"({"role":"assistant","content":[{"type":"image","source":)"
                    R"({"type":"url","url":"u"}}]}]})"),
            "messages[1].content[0]");
}

TEST(AnthropicRequest, CountTokensNeedsNoMaxTokens) {
  GenerateRequest req;
  AnthropicParams p;
  EXPECT_FALSE(ParseAnthropicMessages(R"({"messages":[{"role":"user","content":"x"}]})",
                                      /*count_only=*/true, &req, &p));
  EXPECT_EQ(ParamOf(R"({"messages":[{"role":"user","content":"x"}]})"), "max_tokens");
}

TEST(AnthropicRequest, BadFieldsNameTheAnthropicField) {
  const std::string user = R"("messages":[{"role":"user","content":)";
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,"messages":[]})"), "messages");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,"messages":[{"role":"tool","content":"x"}]})"),
            "messages[0].role");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user +
                    R"([{"type":"image","source":{"type":"base64","data":""}}]}]})"),
            "messages[0].content[0].source.media_type");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user +
                    R"([{"type":"image","source":{"type":"file","file_id":"f"}}]}]})"),
            "messages[0].content[0].source.type");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user +
                    R"([{"type":"document","source":{"type":"text","data":"x"}}]}]})"),
            "messages[0].content[0]");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user + R"([{"type":"tool_use","id":"a",)" +
                    R"("name":"f","input":{}}]}]})"),
            "messages[0].content[0].type");  // tool_use is the assistant's
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user + R"("x"}],"temperature":7})"), "temperature");
  EXPECT_EQ(ParamOf(R"({"max_tokens":0,)" + user + R"("x"}]})"), "max_tokens");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user + R"("x"}],"thinking":{"type":"enabled"}})"),
            "thinking.budget_tokens");
  EXPECT_EQ(ParamOf(R"({"max_tokens":9,)" + user + R"("x"}],"tool_choice":{"type":"any"}})"),
            "tool_choice");
  // The shared tool check, its path given back in Anthropic's terms.
  GenerateRequest req;
  std::optional<ApiError> err =
      Parse(R"({"max_tokens":9,)" + user + R"("x"}],"tools":[{"name":"no spaces",)" +
                R"("input_schema":{"type":"object"}}]})",
            &req);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->param, "tools[0].name");
  EXPECT_EQ(err->message.find("'tools[0].name'"), 0u) << err->message;
}

// A final assistant message is continued, not answered.
TEST(AnthropicRequest, FinalAssistantMessageIsAPrefill) {
  GenerateRequest req;
  ASSERT_FALSE(Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":"JSON please"},
      {"role":"assistant","content":[{"type":"text","text":"{\"a\":"}]}]})",
                     &req));
  ASSERT_EQ(req.messages.size(), 1u);
  EXPECT_EQ(req.prompt_suffix, R"({"a":)");
  EXPECT_EQ(ParamOf(std::string(R"({"max_tokens":9,"tools":[)") + kWeatherTool +
                    R"(],"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"x"},)" +
                    R"({"role":"assistant","content":"{"}]})"),
            "messages");
}

TEST(AnthropicRequest, ServerToolsAreRefusedByName) {
  GenerateRequest req;
  std::optional<ApiError> err = Parse(R"({"max_tokens":9,"messages":[{"role":"user","content":"x"}],
          "tools":[{"type":"web_search_20250305","name":"web_search"}]})",
                                      &req);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 400);
  EXPECT_EQ(err->param, "tools[0].type");
  EXPECT_NE(err->message.find("web_search_20250305"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("(web_search)"), std::string::npos) << err->message;
}

}  // namespace
}  // namespace inferno::server
