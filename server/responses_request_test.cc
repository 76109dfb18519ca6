// The Responses request translated into the chat reader's request: items to messages (calls
// joined to their assistant turn, outputs as tool messages), flat tools, tool_choice,
// text.format, reasoning effort, and the features refused with a 400 naming them.
#include "server/responses_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

struct Parsed {
  std::optional<ApiError> error;
  ResponsesRequest rr;
  GenerateRequest req;
  CompletionParams params;
};

// The route's path without the store: read, translate, parse with the chat reader.
Parsed Parse(std::string_view body) {
  Parsed p;
  const json::object o = json::parse(body).as_object();
  p.error = ReadResponsesRequest(o, &p.rr);
  json::object chat;
  if (!p.error) p.error = ToChatBody(o, p.rr.input, &chat);
  if (!p.error) {
    if (auto err = ParseCompletionRequest(chat, true, &p.req, &p.params))
      p.error = ResponsesParam(*err);
  }
  return p;
}

TEST(ResponsesRequest, AStringInputIsOneUserMessageAfterTheInstructions) {
  Parsed p = Parse(R"({"model":"m","input":"Hi","instructions":"Be brief.","max_output_tokens":7,
                      "temperature":0.5,"seed":3,"stream":true,"store":false})");
  ASSERT_FALSE(p.error) << p.error->message;
  ASSERT_EQ(p.req.messages.size(), 2u);
  EXPECT_EQ(p.req.messages[0].role, "system");
  EXPECT_EQ(p.req.messages[0].content, "Be brief.");
  EXPECT_EQ(p.req.messages[1].role, "user");
  EXPECT_EQ(p.req.messages[1].content, "Hi");
  EXPECT_EQ(p.req.max_tokens, 7);
  EXPECT_TRUE(p.params.max_tokens_given);
  EXPECT_FLOAT_EQ(p.req.sampling.temperature, 0.5f);
  EXPECT_EQ(p.req.sampling.seed, 3u);
  EXPECT_EQ(p.rr.model, "m");
  EXPECT_TRUE(p.rr.stream);
  EXPECT_FALSE(p.rr.store);
  EXPECT_EQ(p.rr.echo.at("instructions"), "Be brief.");
  EXPECT_EQ(p.rr.echo.at("store"), false);
}

TEST(ResponsesRequest, ItemsBecomeTheChatTurnsWithCallsAndResults) {
  Parsed p = Parse(R"({"input":[
    {"role":"developer","content":[{"type":"input_text","text":"Rules."}]},
    {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"}]},
    {"type":"reasoning","id":"rs_1","summary":[]},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
    {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"c\":1}"},
    {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"},
    {"type":"function_call_output","call_id":"call_1","output":"sunny"},
    {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]}
  ]})");
  ASSERT_FALSE(p.error) << p.error->message;
  const std::vector<ChatMessage>& m = p.req.messages;
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].role, "system");  // developer, normalised by the chat reader
  EXPECT_EQ(m[1].content, "Weather?");
  EXPECT_EQ(m[2].role, "assistant");
  EXPECT_EQ(m[2].content, "Checking.");
  ASSERT_EQ(m[2].tool_calls.size(), 2u);
  EXPECT_EQ(m[2].tool_calls[0].id, "call_1");
  EXPECT_EQ(m[2].tool_calls[0].arguments, "{\"c\":1}");
  EXPECT_EQ(m[2].tool_calls[1].name, "get_time");
  EXPECT_EQ(m[3].role, "tool");
  EXPECT_EQ(m[3].name, "get_weather");  // the call it answers names it
  EXPECT_EQ(m[3].content, "sunny");
  EXPECT_EQ(m[4].tool_call_id, "call_2");
  EXPECT_EQ(m[4].content, "noon");
}

TEST(ResponsesRequest, FlatToolsNamedChoiceAndJsonSchema) {
  Parsed p = Parse(R"({"input":"x","parallel_tool_calls":false,
    "tools":[{"type":"function","name":"f","description":"d","strict":true,
              "parameters":{"type":"object","properties":{"a":{"type":"string"}}}}],
    "tool_choice":{"type":"function","name":"f"},
    "text":{"format":{"type":"json_schema","name":"r","strict":true,
            "schema":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}}}})");
  ASSERT_FALSE(p.error) << p.error->message;
  ASSERT_EQ(p.req.tools.size(), 1u);
  EXPECT_EQ(p.req.tools[0].at("function").at("name"), "f");
  EXPECT_EQ(p.req.tools[0].at("function").at("description"), "d");
  EXPECT_EQ(p.req.tool_choice.mode, ToolChoiceMode::kNamed);
  EXPECT_EQ(p.req.tool_choice.name, "f");
  EXPECT_FALSE(p.req.parallel_tool_calls);
  EXPECT_NE(p.req.grammar, nullptr);
}

TEST(ResponsesRequest, JsonObjectConstrainsAndTextDoesNot) {
  EXPECT_NE(Parse(R"({"input":"x","text":{"format":{"type":"json_object"}}})").req.grammar,
            nullptr);
  EXPECT_EQ(Parse(R"({"input":"x","text":{"format":{"type":"text"}}})").req.grammar, nullptr);
}

TEST(ResponsesRequest, ReasoningEffortReachesTheTemplate) {
  Parsed none = Parse(R"({"input":"x","reasoning":{"effort":"none"}})");
  ASSERT_FALSE(none.error);
  EXPECT_EQ(none.req.template_kwargs.at("enable_thinking"), false);
  Parsed high = Parse(R"({"input":"x","reasoning":{"effort":"high"}})");
  ASSERT_FALSE(high.error);
  EXPECT_EQ(high.req.template_kwargs.at("reasoning_effort"), "high");
}

// input_image parts of a user message: the image where it stood (the media marker), its URL in
// the request's images for the one image reader; texts around it joined as OpenAI's chat parts.
TEST(ResponsesRequest, InputImagesGoWhereTheyStand) {
  Parsed p = Parse(R"({"input":[{"role":"user","content":[
      {"type":"input_text","text":"Look: "},
      {"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"auto"},
      {"type":"input_text","text":"What is it?"},{"type":"input_text","text":" Say."}]}]})");
  ASSERT_FALSE(p.error) << p.error->message;
  ASSERT_EQ(p.req.messages.size(), 1u);
  EXPECT_EQ(p.req.messages[0].content, "Look: <__media__>What is it? Say.");
  ASSERT_EQ(p.req.images.size(), 1u);
  EXPECT_EQ(p.req.images[0], "data:image/png;base64,AAAA");
  // Without images the text parts join as before.
  Parsed text = Parse(R"({"input":[{"role":"user","content":[
      {"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]}]})");
  ASSERT_FALSE(text.error) << text.error->message;
  EXPECT_EQ(text.req.messages[0].content, "ab");
  EXPECT_TRUE(text.req.images.empty());
}

// Each refused request names its field.
TEST(ResponsesRequest, UnsupportedFeaturesAre400sNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input":"x","tools":[{"type":"web_search"}]})", "tools[0].type"},
      {R"({"input":"x","background":true})", "background"},
      {R"({"input":"x","include":["reasoning.encrypted_content"]})", "include"},
      {R"({"input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})",
       "input[0].content[0]"},
      {R"({"input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]})",
       "input[0].content[0].image_url"},
      {R"({"input":[{"role":"assistant","content":[{"type":"input_image","image_url":"u"}]}]})",
       "input[0].content[0]"},
      {R"({"input":[{"type":"computer_call","id":"c"}]})", "input[0].type"},
      {R"({"input":"x","reasoning":{"summary":"auto"}})", "reasoning.summary"},
      {R"({"input":"x","conversation":"conv_1"})", "conversation"},
      {R"({"input":"x","truncation":"auto"})", "truncation"},
      {R"({"input":"x","text":{"verbosity":"low"}})", "text.verbosity"},
  };
  for (const auto& [body, param] : cases) {
    Parsed p = Parse(body);
    ASSERT_TRUE(p.error) << body;
    EXPECT_EQ(p.error->status, 400);
    EXPECT_EQ(p.error->param, param) << body;
    EXPECT_EQ(p.error->code, "unsupported_parameter") << body;
  }
}

// Errors found by the chat reader are named as the Responses request names the field.
TEST(ResponsesRequest, ChatReaderErrorsNameTheResponsesField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model":"m"})", "input"},
      {R"({"input":"x","tools":[{"type":"function","name":"bad name"}]})", "tools[0].name"},
      {R"({"input":"x","tool_choice":{"type":"function","name":"nope"}})", "tool_choice"},
      {R"({"input":"x","max_output_tokens":0})", "max_output_tokens"},
      {R"({"input":[{"role":"wizard","content":"x"}]})", "input"},
      {R"({"input":"x","text":{"format":{"type":"json_schema","name":"r","schema":{"type":"object","patternProperties":{}}}}})",
       "text.format.schema"},
      {R"({"input":[{"type":"function_call","name":"f","arguments":"{}"}]})", "input[0].call_id"},
  };
  for (const auto& [body, param] : cases) {
    Parsed p = Parse(body);
    ASSERT_TRUE(p.error) << body;
    EXPECT_EQ(p.error->status, 400);
    EXPECT_EQ(p.error->param.substr(0, std::string(param).size()), param)
        << body << " -> " << p.error->param;
  }
}

}  // namespace
}  // namespace inferno::server
