// Tool calling through the HTTP server: the scripted tool model (tests/thinking_model.h, real
// Qwen2.5 template, decoded by the real forward pass) answers with a Hermes-style call, which
// /v1/chat/completions returns as message.tool_calls and streams as delta.tool_calls exactly
// in OpenAI's shapes, and /api/chat as Ollama's; the next turn, with the call and its result,
// is rendered as Hugging Face renders it.
#include <boost/json.hpp>
#include <filesystem>

#include "tests/served_test.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpResponse;
using testing::ParseJsonObject;
using testing::ReadAll;

const fs::path kTemplates = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "templates";

constexpr char kTools[] =
    R"("tools":[{"type":"function","function":{"name":"get_weather",)"
    R"("description":"Current weather for a city.","parameters":{"type":"object",)"
    R"("properties":{"location":{"type":"string"}},"required":["location"]}}}])";
constexpr char kAsk[] = R"("messages":[{"role":"user","content":"Weather in Paris?"}])";
constexpr char kArguments[] = R"({"location": "Paris", "unit": "celsius"})";

class ToolsApiTest : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    const std::string qwen = ReadAll(kTemplates / "jinja" / "Qwen-Qwen2.5-7B-Instruct.jinja");
    ASSERT_FALSE(qwen.empty());
    const std::string model = (MakeModels("tools") / "tools.gguf").string();
    ASSERT_TRUE(testing::ToolModelWriter(qwen).WriteFile(model).ok());
    Serve({"-m", model});
  }
  static json::object Chat(const std::string& fields) {
    return PostOk("/v1/chat/completions", "{" + fields + R"(,"temperature":0})");
  }
  static json::object Choice(const json::object& o) {
    return o.at("choices").as_array()[0].as_object();
  }
};

TEST_F(ToolsApiTest, ReplyWithACallIsMessageToolCalls) {
  const json::object o = Chat(std::string(kAsk) + "," + kTools);
  const json::object c = Choice(o);
  EXPECT_EQ(c.at("finish_reason"), "tool_calls");
  const json::object& m = c.at("message").as_object();
  EXPECT_EQ(m.at("content"), "Let me check.");  // the text before the call stays the answer
  const json::array& calls = m.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 1u);
  const json::object& call = calls[0].as_object();
  EXPECT_TRUE(call.at("id").as_string().starts_with("call_"));
  EXPECT_EQ(call.at("id").as_string().size(), 29u);
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(call.at("function").at("arguments"), kArguments);
  // The tools are in the prompt (Qwen2.5's template writes them): more prompt tokens.
  const json::object plain = Chat(kAsk);
  EXPECT_GT(o.at("usage").at("prompt_tokens").as_int64(),
            plain.at("usage").at("prompt_tokens").as_int64() + 200);
}

TEST_F(ToolsApiTest, StreamSendsToolCallDeltasAsOpenAiDoes) {
  HttpResponse r =
      Post("/v1/chat/completions", std::string("{") + kAsk + "," + kTools + R"(,"stream":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string content, arguments, finish;
  std::vector<json::object> call_deltas;
  for (const std::string& d : testing::SseData(r.body)) {
    if (d == "[DONE]") break;
    const json::object c = Choice(ParseJsonObject(d));
    const json::object& delta = c.at("delta").as_object();
    if (const json::value* v = delta.if_contains("content")) content += v->as_string();
    if (const json::value* v = delta.if_contains("tool_calls")) {
      for (const json::value& t : v->as_array()) call_deltas.push_back(t.as_object());
      EXPECT_FALSE(delta.contains("content")) << d;
    }
    if (!c.at("finish_reason").is_null()) finish = c.at("finish_reason").as_string();
  }
  EXPECT_EQ(content, "Let me check.");
  EXPECT_EQ(finish, "tool_calls");
  // First the call's index, id, type and name; then fragments of the arguments only.
  ASSERT_GE(call_deltas.size(), 3u);
  EXPECT_EQ(call_deltas[0].at("index"), 0);
  EXPECT_TRUE(call_deltas[0].at("id").as_string().starts_with("call_"));
  EXPECT_EQ(call_deltas[0].at("type"), "function");
  EXPECT_EQ(call_deltas[0].at("function").at("name"), "get_weather");
  for (size_t i = 0; i < call_deltas.size(); ++i) {
    EXPECT_EQ(call_deltas[i].at("index"), 0);
    if (i > 0) {
      EXPECT_FALSE(call_deltas[i].contains("id"));
      EXPECT_FALSE(call_deltas[i].at("function").as_object().contains("name"));
    }
    arguments += call_deltas[i].at("function").at("arguments").as_string();
  }
  EXPECT_EQ(arguments, kArguments);
}

TEST_F(ToolsApiTest, ToolChoiceNoneLeavesToolsOutAndParsesNothing) {
  const json::object o = Chat(std::string(kAsk) + "," + kTools + R"(,"tool_choice":"none")");
  const json::object c = Choice(o);
  EXPECT_EQ(c.at("finish_reason"), "stop");
  const json::object& m = c.at("message").as_object();
  EXPECT_FALSE(m.contains("tool_calls"));
  EXPECT_EQ(std::string(m.at("content").as_string()).substr(0, 24), "Let me check.<tool_call>");
  EXPECT_EQ(o.at("usage").at("prompt_tokens"), Chat(kAsk).at("usage").at("prompt_tokens"));
}

// A named function: the prompt ends with the call's opening and its name, so the reply is
// that call, content null, and its arguments are decoded under the grammar of the function's
// parameter schema: the script's own arguments add a "unit" key the schema does not list, which
// the grammar refuses, so the call holds what validates (whitespace is the model's choice).
TEST_F(ToolsApiTest, NamedToolChoiceForcesTheCall) {
  const json::object c =
      Choice(Chat(std::string(kAsk) + "," + kTools +
                  R"(,"tool_choice":{"type":"function","function":{"name":"get_weather"}})"));
  EXPECT_EQ(c.at("finish_reason"), "tool_calls");
  const json::object& m = c.at("message").as_object();
  EXPECT_TRUE(m.at("content").is_null());
  ASSERT_EQ(m.at("tool_calls").as_array().size(), 1u);
  EXPECT_EQ(m.at("tool_calls").at(0).at("function").at("name"), "get_weather");
  const json::value args =
      json::parse(m.at("tool_calls").at(0).at("function").at("arguments").as_string());
  EXPECT_EQ(args, json::parse(R"({"location": "Paris"})"));
}

// "required": the prompt ends with the call's opening, and the grammar of the tools' calls (a
// name among the tools, its parameter schema) holds whatever the model writes to a valid call.
// The location is bounded (maxLength): this scripted model, unlike a trained one, would
// otherwise go on writing inside the string until max_tokens.
TEST_F(ToolsApiTest, RequiredToolChoiceGivesAValidCall) {
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":)"
      R"({"type":"object","properties":{"location":{"type":"string","maxLength":12}},)"
      R"("required":["location"]}}}])";
  for (const char* stream : {"false", "true"}) {
    const std::string body =
        std::string(kAsk) + "," + tools + R"(,"tool_choice":"required","stream":)" + stream;
    if (std::string(stream) == "true") {
      const std::string sse = Post("/v1/chat/completions", "{" + body + "}").body;
      EXPECT_NE(sse.find(R"("finish_reason":"tool_calls")"), std::string::npos) << sse;
      EXPECT_NE(sse.find(R"("name":"get_weather")"), std::string::npos) << sse;
      continue;
    }
    const json::object c = Choice(Chat(body));
    EXPECT_EQ(c.at("finish_reason"), "tool_calls");
    const json::object& m = c.at("message").as_object();
    ASSERT_EQ(m.at("tool_calls").as_array().size(), 1u) << json::serialize(c);
    EXPECT_EQ(m.at("tool_calls").at(0).at("function").at("name"), "get_weather");
    const json::value args =
        json::parse(m.at("tool_calls").at(0).at("function").at("arguments").as_string());
    ASSERT_TRUE(args.is_object());
    EXPECT_LE(args.at("location").as_string().size(), 12u);
    EXPECT_EQ(args.as_object().size(), 1u);
  }
}

// The second half of a tool loop: the assistant's call (content null) and the tool's result
// are accepted and rendered byte for byte as Hugging Face renders the fixture conversation,
// which /tokenize of HF's rendering shows: the same number of prompt tokens.
TEST_F(ToolsApiTest, ToolResultTurnIsRenderedAsHuggingFaceDoes) {
  const json::value cases = json::parse(ReadAll(kTemplates / "cases.json"));
  json::object ctx;
  for (const auto& c : cases.at("cases").as_array()) {
    if (c.at("id") == "tool-roundtrip") ctx = c.at("context").as_object();
  }
  json::array messages = ctx.at("messages").as_array();
  for (json::value& m : messages) {
    json::object& o = m.as_object();
    if (o.at("role") == "tool") o.erase("name");  // OpenAI's clients send none
    if (o.at("role") == "assistant") {
      o["content"] = nullptr;
      json::value& args = o.at("tool_calls").at(0).at("function").as_object()["arguments"];
      args = json::serialize(args);
    }
  }
  const json::object body{{"messages", messages}, {"tools", ctx.at("tools")}, {"max_tokens", 1}};
  HttpResponse r = Post("/v1/chat/completions", json::serialize(body));
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t prompt_tokens = ParseJsonObject(r.body).at("usage").at("prompt_tokens").as_int64();
  const std::string want =
      ReadAll(kTemplates / "expected" / "Qwen-Qwen2.5-7B-Instruct" / "tool-roundtrip.txt");
  HttpResponse tok = Post("/tokenize", json::serialize(json::object{{"content", want}}));
  ASSERT_EQ(tok.status, 200) << tok.body;
  EXPECT_EQ(int64_t(ParseJsonObject(tok.body).at("tokens").as_array().size()), prompt_tokens);
}

TEST_F(ToolsApiTest, OllamaChatReturnsWholeCalls) {
  HttpResponse r = Post("/api/chat", std::string("{") + kAsk + "," + kTools +
                                         R"(,"stream":false,"options":{"temperature":0}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object o = ParseJsonObject(r.body);
  const json::object& m = o.at("message").as_object();
  EXPECT_EQ(m.at("content"), "Let me check.");
  ASSERT_EQ(m.at("tool_calls").as_array().size(), 1u);
  const json::object& fn = m.at("tool_calls").at(0).at("function").as_object();
  EXPECT_EQ(fn.at("name"), "get_weather");
  EXPECT_EQ(fn.at("arguments"), json::parse(kArguments));  // an object, as Ollama sends it
  // Streamed: the calls come whole with the last line.
  HttpResponse s = Post("/api/chat", std::string("{") + kAsk + "," + kTools + "}");
  ASSERT_EQ(s.status, 200) << s.body;
  const std::string last = s.body.substr(s.body.rfind('\n', s.body.size() - 2) + 1);
  const json::object done = ParseJsonObject(last);
  EXPECT_EQ(done.at("done"), true);
  EXPECT_EQ(done.at("message").at("tool_calls").at(0).at("function").at("name"), "get_weather");
}

TEST_F(ToolsApiTest, MalformedToolsAreRefusedNamingTheField) {
  HttpResponse r =
      Post("/v1/chat/completions", std::string("{") + kAsk + R"(,"tools":[{"type":"function"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(testing::ErrorField(r, "param"), "tools[0].function");
  r = Post("/v1/chat/completions",
           std::string("{") + kAsk + "," + kTools +
               R"(,"tool_choice":{"type":"function","function":{"name":"x"}}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(testing::ErrorField(r, "message"), "'tool_choice' names 'x', which is not in 'tools'");
  r = Post("/v1/chat/completions",
           R"({"messages":[{"role":"tool","content":"18C","tool_call_id":5}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(testing::ErrorField(r, "param"), "messages[0].tool_call_id");
}

}  // namespace
}  // namespace inferno
