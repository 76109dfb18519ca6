#include "server/anthropic.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

namespace inferno::server {
namespace {

namespace json = boost::json;

struct SseEvent {
  std::string name;
  json::object data;
};

// Splits "event: X\ndata: {...}\n\n" frames, checking each frame's type is its event name.
std::vector<SseEvent> ParseSse(const std::string& text) {
  std::vector<SseEvent> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find("\n\n", at);
    EXPECT_NE(end, std::string::npos) << text.substr(at);
    if (end == std::string::npos) break;
    const std::string frame = text.substr(at, end - at);
    const size_t nl = frame.find('\n');
    EXPECT_EQ(frame.rfind("event: ", 0), 0u) << frame;
    EXPECT_EQ(frame.compare(nl + 1, 6, "data: "), 0) << frame;
    SseEvent e{frame.substr(7, nl - 7), json::parse(frame.substr(nl + 7)).as_object()};
    EXPECT_EQ(e.data.at("type").as_string(), e.name);
    out.push_back(std::move(e));
    at = end + 2;
  }
  return out;
}

Event Prompt(int n) {
  Event e;
  e.type = Event::Type::kPrompt;
  e.prompt_tokens.assign(size_t(n), 1);
  return e;
}

Event Token(std::string text, std::string reasoning = "", std::vector<ToolCallDelta> calls = {}) {
  Event e;
  e.type = Event::Type::kToken;
  e.text = std::move(text);
  e.reasoning = std::move(reasoning);
  e.tool_calls = std::move(calls);
  return e;
}

Event Done(std::string finish, int generated, std::string stop = "") {
  Event e;
  e.type = Event::Type::kDone;
  e.finish_reason = std::move(finish);
  e.timings.generated_tokens = generated;
  e.stop_sequence = std::move(stop);
  return e;
}

// Thinking, then text, then a call: three blocks, each closed before the next, with the
// deltas Anthropic sends for each kind, and the same blocks in the Message.
TEST(AnthropicEncoder, StreamsBlocksInOrderAndBuildsTheMessage) {
  AnthropicEncoder enc("msg_x", "tiny");
  std::string sse = enc.Push(Prompt(12));
  sse += enc.Push(Token("", "Hmm"));
  sse += enc.Push(Token("", "..."));
  sse += enc.Push(Token("Let me check."));
  sse += enc.Push(Token("", "", {{0, "call_ABC", "get_weather", R"({"location")"}}));
  sse += enc.Push(Token("", "", {{0, "", "", R"(: "Paris"})"}}));
  sse += enc.Push(Done("tool_calls", 6));
  const std::vector<SseEvent> events = ParseSse(sse);
  std::vector<std::string> names;
  for (const SseEvent& e : events) names.push_back(e.name);
  const std::vector<std::string> want = {"message_start",       "ping",  // head
                                         "content_block_start", "content_block_delta",
                                         "content_block_delta",                        // thinking
                                         "content_block_delta", "content_block_stop",  // signature
                                         "content_block_start", "content_block_delta",
                                         "content_block_stop",  // text
                                         "content_block_start", "content_block_delta",
                                         "content_block_delta",  // tool_use
                                         "content_block_stop",  "message_delta",
                                         "message_stop"};
  EXPECT_EQ(names, want);

  const json::object& start = events[0].data.at("message").as_object();
  EXPECT_EQ(start.at("id"), "msg_x");
  EXPECT_EQ(start.at("role"), "assistant");
  EXPECT_EQ(start.at("content").as_array().size(), 0u);
  EXPECT_EQ(start.at("stop_reason"), nullptr);
  EXPECT_EQ(start.at("usage").at("input_tokens"), 12);
  EXPECT_EQ(events[2].data.at("content_block"),
            json::parse(R"({"type":"thinking","thinking":"","signature":""})"));
  EXPECT_EQ(events[3].data.at("delta"),
            json::parse(R"({"type":"thinking_delta","thinking":"Hmm"})"));
  EXPECT_EQ(events[5].data.at("delta").at("type"), "signature_delta");
  EXPECT_EQ(events[7].data.at("index"), 1);
  EXPECT_EQ(events[8].data.at("delta"),
            json::parse(R"({"type":"text_delta","text":"Let me check."})"));
  EXPECT_EQ(events[10].data.at("index"), 2);
  EXPECT_EQ(events[10].data.at("content_block"),
            json::parse(R"({"type":"tool_use","id":"toolu_ABC","name":"get_weather","input":{}})"));
  EXPECT_EQ(events[11].data.at("delta"),
            json::parse(R"({"type":"input_json_delta","partial_json":"{\"location\""})"));
  EXPECT_EQ(events[14].data.at("delta"),
            json::parse(R"({"stop_reason":"tool_use","stop_sequence":null})"));
  EXPECT_EQ(events[14].data.at("usage").at("output_tokens"), 6);

  const json::object m = enc.Message();
  EXPECT_EQ(m.at("type"), "message");
  EXPECT_EQ(m.at("model"), "tiny");
  EXPECT_EQ(m.at("stop_reason"), "tool_use");
  EXPECT_EQ(m.at("usage").at("input_tokens"), 12);
  EXPECT_EQ(m.at("usage").at("cache_read_input_tokens"), 0);
  EXPECT_EQ(m.at("usage").at("output_tokens"), 6);
  EXPECT_EQ(m.at("content"), json::parse(R"([
      {"type":"thinking","thinking":"Hmm...","signature":""},
      {"type":"text","text":"Let me check."},
      {"type":"tool_use","id":"toolu_ABC","name":"get_weather","input":{"location":"Paris"}}])"));
}

// What the prompt cache held is cache_read_input_tokens, apart from input_tokens (Anthropic
// counts the prompt as their sum), in the closing message_delta and the whole message.
TEST(AnthropicEncoder, ThePromptCachesHitsAreCacheReads) {
  AnthropicEncoder enc("msg_x", "tiny");
  std::string sse = enc.Push(Prompt(12));
  sse += enc.Push(Token("Hi"));
  Event done = Done("stop", 1);
  done.timings.prompt_tokens = 12;
  done.timings.cached_tokens = 11;
  sse += enc.Push(done);
  const std::vector<SseEvent> events = ParseSse(sse);
  const json::value& usage = events.at(events.size() - 2).data.at("usage");
  EXPECT_EQ(usage.at("input_tokens"), 1);
  EXPECT_EQ(usage.at("cache_read_input_tokens"), 11);
  EXPECT_EQ(usage.at("cache_creation_input_tokens"), 0);
  const json::object m = enc.Message();
  EXPECT_EQ(m.at("usage").at("input_tokens"), 1);
  EXPECT_EQ(m.at("usage").at("cache_read_input_tokens"), 11);
}

TEST(AnthropicEncoder, StopReasons) {
  EXPECT_STREQ(StopReason(Done("stop", 1)), "end_turn");
  EXPECT_STREQ(StopReason(Done("stop", 1, "END")), "stop_sequence");
  EXPECT_STREQ(StopReason(Done("length", 1)), "max_tokens");
  EXPECT_STREQ(StopReason(Done("tool_calls", 1)), "tool_use");
  AnthropicEncoder enc("msg_x", "tiny");
  enc.Push(Prompt(3));
  enc.Push(Token("a"));
  const std::vector<SseEvent> tail = ParseSse(enc.Push(Done("stop", 2, "END")));
  ASSERT_EQ(tail.size(), 3u);  // the text block's stop, message_delta, message_stop
  EXPECT_EQ(tail[1].data.at("delta"),
            json::parse(R"({"stop_reason":"stop_sequence","stop_sequence":"END"})"));
  EXPECT_EQ(enc.Message().at("stop_sequence"), "END");
}

// Text held back to the end (a stop string's prefix) comes with kDone; a call cut short by
// max_tokens has an empty input.
TEST(AnthropicEncoder, DoneCarriesTheRest) {
  AnthropicEncoder enc("msg_x", "tiny");
  enc.Push(Prompt(3));
  enc.Push(Token("", "", {{0, "call_1", "f", R"({"a": [1, )"}}));
  Event done = Done("length", 4);
  done.text = "";
  enc.Push(done);
  const json::object m = enc.Message();
  EXPECT_EQ(m.at("stop_reason"), "max_tokens");
  EXPECT_EQ(m.at("content").at(0).at("input"), json::object{});
  AnthropicEncoder held("msg_y", "tiny");
  held.Push(Prompt(3));
  Event tail = Done("stop", 2);
  tail.text = "E";
  const std::vector<SseEvent> ev = ParseSse(held.Push(tail));
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[1].data.at("delta").at("text"), "E");
  EXPECT_EQ(held.Message().at("content"), json::parse(R"([{"type":"text","text":"E"}])"));
}

TEST(AnthropicErrors, ShapeAndTypes) {
  EXPECT_EQ(json::parse(AnthropicErrorJson(404, "model 'x' not found")),
            json::parse(R"({"type":"error","error":{"type":"not_found_error",)"
                        R"("message":"model 'x' not found"}})"));
  EXPECT_STREQ(AnthropicErrorType(400), "invalid_request_error");
  EXPECT_STREQ(AnthropicErrorType(401), "authentication_error");
  EXPECT_STREQ(AnthropicErrorType(429), "rate_limit_error");
  EXPECT_STREQ(AnthropicErrorType(500), "api_error");
  EXPECT_STREQ(AnthropicErrorType(529), "overloaded_error");
  const std::vector<SseEvent> ev = ParseSse(AnthropicEncoder::ErrorEvent("boom"));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data.at("error").at("type"), "api_error");
  EXPECT_TRUE(std::regex_match(NewMessageId(), std::regex("msg_[A-Za-z0-9]{24}")));
}

class CaptureWriter : public ResponseWriter {
 public:
  void Send(Response r) override { sent = std::move(r); }
  bool StartStream(int, std::string, Headers) override { return true; }
  bool Write(std::string_view) override { return true; }
  void EndStream() override {}
  bool started() const override { return false; }
  Response sent;
};

// The shared code's OpenAI-shaped errors leave in Anthropic's shape, headers kept.
TEST(AnthropicErrors, WriterRewritesOpenAiErrors) {
  CaptureWriter inner;
  AnthropicErrorWriter w(inner);
  w.Send(Response{429,
                  "application/json",
                  {{"Retry-After", "1"}},
                  R"({"error":{"message":"busy","type":"rate_limit_error","param":null}})"});
  EXPECT_EQ(
      json::parse(inner.sent.body),
      json::parse(R"({"type":"error","error":{"type":"rate_limit_error","message":"busy"}})"));
  EXPECT_EQ(inner.sent.headers.at(0).first, "Retry-After");
  w.Send(Response{200, "application/json", {}, R"({"error":{"message":"data"}})"});
  EXPECT_EQ(inner.sent.body, R"({"error":{"message":"data"}})");  // not an error response
  EXPECT_TRUE(IsAnthropicPath("/v1/messages"));
  EXPECT_TRUE(IsAnthropicPath("/v1/messages/count_tokens"));
  EXPECT_FALSE(IsAnthropicPath("/v1/messagesx"));
}

}  // namespace
}  // namespace inferno::server
