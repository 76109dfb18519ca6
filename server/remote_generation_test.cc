#include "server/remote_generation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

TEST(RemoteGeneration, ChatRequestKeepsMessagesToolsAndSampling) {
  GenerateRequest req;
  req.messages = {{"system", "Be brief."}, {"user", "Weather?"}};
  ChatMessage call("assistant", "");
  call.tool_calls = {{"call_1", "weather", R"({"city":"Oslo"})"}};
  req.messages.push_back(call);
  ChatMessage result("tool", "rain");
  result.tool_call_id = "call_1";
  result.name = "weather";
  req.messages.push_back(result);
  req.tools = json::array{
      json::object{{"type", "function"}, {"function", json::object{{"name", "weather"}}}}};
  req.tool_choice = {ToolChoiceMode::kNamed, "weather"};
  req.max_tokens = 20;
  req.sampling.temperature = 0;
  req.sampling.seed = 7;
  req.stop = {"END"};
  std::string path;
  json::object body;
  ASSERT_FALSE(RemoteRequestBody(req, /*max_given=*/true, "tiny", &path, &body));
  EXPECT_EQ(path, "/v1/chat/completions");
  EXPECT_EQ(body["model"], json::value("tiny"));
  const json::array& m = body["messages"].as_array();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1].as_object().at("content"), json::value("Weather?"));
  EXPECT_TRUE(m[2].as_object().at("content").is_null());
  EXPECT_EQ(m[2].as_object().at("tool_calls").as_array()[0].as_object().at("function"),
            (json::object{{"name", "weather"}, {"arguments", R"({"city":"Oslo"})"}}));
  EXPECT_EQ(m[3].as_object().at("tool_call_id"), json::value("call_1"));
  EXPECT_EQ(body["tool_choice"].as_object()["function"].as_object()["name"],
            json::value("weather"));
  EXPECT_EQ(body["max_tokens"], json::value(20));
  EXPECT_EQ(body["temperature"].to_number<double>(), 0);
  EXPECT_EQ(body["seed"], json::value(7u));
  EXPECT_EQ(body["stop"], json::array{"END"});
  EXPECT_EQ(body["stream"], json::value(true));
  EXPECT_EQ(body["stream_options"], (json::object{{"include_usage", true}}));
}

TEST(RemoteGeneration, RawPromptIsACompletionAndUntranslatableFieldsAreRefused) {
  GenerateRequest req;
  req.prompt = "Once upon";
  std::string path;
  json::object body;
  ASSERT_FALSE(RemoteRequestBody(req, /*max_given=*/false, "tiny", &path, &body));
  EXPECT_EQ(path, "/v1/completions");
  EXPECT_EQ(body["prompt"], json::value("Once upon"));
  EXPECT_FALSE(body.contains("max_tokens"));  // the remote's default

  req.images = {"data:image/png;base64,AAAA"};
  std::optional<ApiError> err = RemoteRequestBody(req, false, "tiny", &path, &body);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 400);
  EXPECT_EQ(err->code, "unsupported_for_remote");
  EXPECT_NE(err->message.find("Images"), std::string::npos);
  req.images.clear();
  req.prompt_tokens = {1, 2, 3};
  err = RemoteRequestBody(req, false, "tiny", &path, &body);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->param, "context");
}

json::object Chunk(const std::string& text) { return json::parse(text).as_object(); }

TEST(RemoteGeneration, ChunksBecomeTokensThenDoneWithUsage) {
  RemoteEventReader reader;
  std::vector<Event> events;
  reader.Chunk(Chunk(R"({"choices":[{"index":0,"delta":{"role":"assistant"}}]})"), &events);
  EXPECT_TRUE(events.empty());  // nothing to show yet
  reader.Chunk(Chunk(R"({"choices":[{"delta":{"reasoning_content":"hm"}}]})"), &events);
  reader.Chunk(Chunk(R"({"choices":[{"delta":{"content":"Hi"}}]})"), &events);
  reader.Chunk(Chunk(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1",)"
                     R"("function":{"name":"f","arguments":"{"}}]}}]})"),
               &events);
  reader.Chunk(Chunk(R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})"), &events);
  reader.Chunk(Chunk(R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}})"),
               &events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].reasoning, "hm");
  EXPECT_TRUE(events[0].in_reasoning);
  EXPECT_EQ(events[1].text, "Hi");
  EXPECT_EQ(events[1].index, 1);
  ASSERT_EQ(events[2].tool_calls.size(), 1u);
  EXPECT_EQ(events[2].tool_calls[0].id, "c1");
  EXPECT_EQ(events[2].tool_calls[0].name, "f");
  EXPECT_EQ(events[2].tool_calls[0].arguments, "{");
  const Event done = reader.Done();
  EXPECT_EQ(done.type, Event::Type::kDone);
  EXPECT_EQ(done.finish_reason, "tool_calls");
  EXPECT_EQ(done.timings.prompt_tokens, 9);
  EXPECT_EQ(done.timings.generated_tokens, 4);

  RemoteEventReader completion;
  events.clear();
  completion.Chunk(Chunk(R"({"choices":[{"text":" a time","finish_reason":"length"}]})"), &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, " a time");
  EXPECT_EQ(completion.Done().finish_reason, "length");
  EXPECT_EQ(completion.Done().timings.generated_tokens, 1);  // no usage: the chunks

  events.clear();
  completion.Chunk(Chunk(R"({"error":{"message":"out of memory"}})"), &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Event::Type::kError);
  EXPECT_EQ(events[0].error.message(), "out of memory");
}

}  // namespace
}  // namespace inferno::server
