// The Responses API's events for synthetic engine events: the order OpenAI streams them in,
// sequence numbers, item ids that match between events, and the final response object that
// the same events build (reasoning, message, function calls, usage, incomplete).
#include "server/responses_encoder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

namespace inferno::server {
namespace {

namespace json = boost::json;

Event Token(std::string text, std::string reasoning = "") {
  Event e;
  e.type = Event::Type::kToken;
  e.text = std::move(text);
  e.reasoning = std::move(reasoning);
  e.in_reasoning = !e.reasoning.empty();
  return e;
}

Event Call(int index, std::string id, std::string name, std::string args) {
  Event e;
  e.type = Event::Type::kToken;
  e.tool_calls.push_back(ToolCallDelta{index, std::move(id), std::move(name), std::move(args)});
  return e;
}

Event Done(int generated, std::string finish = "stop") {
  Event e;
  e.type = Event::Type::kDone;
  e.finish_reason = std::move(finish);
  e.timings.generated_tokens = generated;
  return e;
}

// The SSE stream as (event name, data) pairs; the name must equal data.type.
std::vector<json::object> Events(const std::string& sse) {
  std::vector<json::object> out;
  std::istringstream in(sse);
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.rfind("event: ", 0) == 0) name = line.substr(7);
    if (line.rfind("data: ", 0) != 0) continue;
    json::object o = json::parse(line.substr(6)).as_object();
    EXPECT_EQ(o.at("type").as_string(), name);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<std::string> Types(const std::vector<json::object>& events) {
  std::vector<std::string> out;
  for (const json::object& e : events) out.emplace_back(e.at("type").as_string());
  return out;
}

ResponseHead Head() { return ResponseHead{"resp_1", "m", 1700000000, {{"store", false}}}; }

TEST(ResponsesEncoder, ReasoningThenAnswerInOpenAIsOrder) {
  ResponsesEncoder enc(Head());
  std::string sse = enc.Start();
  sse += enc.Token(Token("", "Hmm"));
  sse += enc.Token(Token("", "..."));
  sse += enc.Token(Token("Hello"));
  sse += enc.Token(Token("!"));
  sse += enc.Finish(Done(5), 11);
  const std::vector<json::object> events = Events(sse);
  const std::vector<std::string> want = {"response.created",
                                         "response.in_progress",
                                         "response.output_item.added",
                                         "response.content_part.added",
                                         "response.reasoning_text.delta",
                                         "response.reasoning_text.delta",
                                         "response.reasoning_text.done",
                                         "response.content_part.done",
                                         "response.output_item.done",
                                         "response.output_item.added",
                                         "response.content_part.added",
                                         "response.output_text.delta",
                                         "response.output_text.delta",
                                         "response.output_text.done",
                                         "response.content_part.done",
                                         "response.output_item.done",
                                         "response.completed"};
  EXPECT_EQ(Types(events), want);
  for (size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(events[i].at("sequence_number").to_number<int64_t>(), int64_t(i));
  EXPECT_EQ(events[0].at("response").at("status"), "in_progress");
  EXPECT_EQ(events[0].at("response").at("store"), false);
  EXPECT_EQ(events[6].at("text"), "Hmm...");
  EXPECT_EQ(events[11].at("item_id"), events[9].at("item").at("id"));
  EXPECT_EQ(events[11].at("output_index"), 1);
  EXPECT_EQ(events[13].at("text"), "Hello!");

  const json::object& r = enc.response();
  EXPECT_EQ(r.at("status"), "completed");
  EXPECT_EQ(json::value(r), events.back().at("response"));
  const json::array& out = r.at("output").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("type"), "reasoning");
  EXPECT_EQ(out[0].at("content").at(0).at("text"), "Hmm...");
  EXPECT_EQ(out[1].at("type"), "message");
  EXPECT_EQ(out[1].at("status"), "completed");
  EXPECT_EQ(out[1].at("content").at(0).at("type"), "output_text");
  EXPECT_EQ(out[1].at("content").at(0).at("text"), "Hello!");
  EXPECT_EQ(out[1].at("content").at(0).at("annotations"), json::array{});
  EXPECT_EQ(r.at("usage").at("input_tokens"), 11);
  EXPECT_EQ(r.at("usage").at("output_tokens"), 5);
  EXPECT_EQ(r.at("usage").at("total_tokens"), 16);
  EXPECT_EQ(r.at("usage").at("output_tokens_details").at("reasoning_tokens"), 2);
}

TEST(ResponsesEncoder, TextThenTwoCallsAsFunctionCallItems) {
  ResponsesEncoder enc(Head());
  std::string sse = enc.Token(Token("Let me check."));
  sse += enc.Token(Call(0, "call_a", "get_weather", "{\"city\":"));
  sse += enc.Token(Call(0, "", "", "\"Paris\"}"));
  sse += enc.Token(Call(1, "call_b", "get_time", "{}"));
  sse += enc.Finish(Done(9, "tool_calls"), 3);
  const std::vector<json::object> events = Events(sse);
  std::vector<std::string> calls;
  for (const json::object& e : events) {
    if (e.at("type") == "response.function_call_arguments.done") {
      calls.push_back(std::string(e.at("name").as_string()) +
                      e.at("arguments").as_string().c_str());
    }
  }
  EXPECT_EQ(calls, (std::vector<std::string>{"get_weather{\"city\":\"Paris\"}", "get_time{}"}));
  const json::array& out = enc.response().at("output").as_array();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].at("content").at(0).at("text"), "Let me check.");
  EXPECT_EQ(out[1].at("type"), "function_call");
  EXPECT_EQ(out[1].at("call_id"), "call_a");
  EXPECT_EQ(out[1].at("name"), "get_weather");
  EXPECT_EQ(out[1].at("arguments"), "{\"city\":\"Paris\"}");
  EXPECT_EQ(out[1].at("status"), "completed");
  EXPECT_TRUE(out[1].at("id").as_string().starts_with("fc_"));
  EXPECT_EQ(out[2].at("call_id"), "call_b");
  EXPECT_EQ(enc.response().at("status"), "completed");
}

TEST(ResponsesEncoder, ALengthStopIsIncompleteAndNothingIsAnEmptyMessage) {
  ResponsesEncoder cut(Head());
  const std::string sse = cut.Token(Token("Hel")) + cut.Finish(Done(1, "length"), 2);
  EXPECT_EQ(Types(Events(sse)).back(), "response.incomplete");
  EXPECT_EQ(cut.response().at("status"), "incomplete");
  EXPECT_EQ(cut.response().at("incomplete_details").at("reason"), "max_output_tokens");
  EXPECT_EQ(cut.response().at("output").at(0).at("status"), "incomplete");

  ResponsesEncoder empty(Head());
  empty.Finish(Done(1), 2);
  const json::array& out = empty.response().at("output").as_array();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].at("type"), "message");
  EXPECT_EQ(out[0].at("content").at(0).at("text"), "");
}

TEST(ResponsesEncoder, AnErrorFailsTheResponse) {
  ResponsesEncoder enc(Head());
  const std::string sse = enc.Token(Token("a")) + enc.Fail("out of memory");
  const std::vector<json::object> events = Events(sse);
  EXPECT_EQ(events.back().at("type"), "response.failed");
  EXPECT_EQ(enc.response().at("status"), "failed");
  EXPECT_EQ(enc.response().at("error").at("message"), "out of memory");
}

}  // namespace
}  // namespace inferno::server
