// Reasoning through the HTTP server: a model that writes <think>...</think> (the scripted
// tests/thinking_model.h, decoded by the real forward pass) gets its thought apart from its
// answer in /v1/chat/completions (message/delta.reasoning_content) and /chat.
#include <boost/json.hpp>
#include <filesystem>

#include "tests/served_test.h"
#include "tests/thinking_model.h"

namespace inferno {
namespace {

namespace json = boost::json;
using testing::HttpResponse;
using testing::ParseJsonObject;

constexpr char kHi[] = R"("messages":[{"role":"user","content":"Hi"}],"temperature":0)";

class ReasoningApiTest : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path models = MakeModels("reasoning");
    ASSERT_TRUE(testing::ThinkingModelWriter().WriteFile((models / "thinking.gguf").string()).ok());
    ASSERT_TRUE(testing::ThinkingModelWriter({.open_in_prompt = true})
                    .WriteFile((models / "thinking-open.gguf").string())
                    .ok());
    Serve({"-m", (models / "thinking.gguf").string()});
  }
  static json::object Message(const std::string& body) {
    json::object o = PostOk("/v1/chat/completions", body);
    return o["choices"].as_array()[0].as_object()["message"].as_object();
  }
};

TEST_F(ReasoningApiTest, ChatAnswerCarriesTheReasoningApartWithLogprobsOfEach) {
  HttpResponse r = Post("/v1/chat/completions",
                        std::string("{") + kHi + R"(,"logprobs":true,"top_logprobs":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = ParseJsonObject(r.body);
  json::object choice = o["choices"].as_array()[0].as_object();
  json::object message = choice["message"].as_object();
  EXPECT_EQ(message["content"], "Hello!");
  EXPECT_EQ(message["reasoning_content"], "Hmm...");
  EXPECT_EQ(choice["finish_reason"], "stop");
  // Every generated token is counted, the thought's too: <think> Hmm ... </think> Hello ! </s>.
  EXPECT_EQ(o["usage"].as_object()["completion_tokens"], 7);
  // The answer's logprobs spell the answer; the thought's tokens (tags included) are apart.
  json::object lp = choice["logprobs"].as_object();
  std::string answer, thought;
  for (const json::value& e : lp["content"].as_array()) answer += e.at("token").as_string();
  for (const json::value& e : lp["reasoning_content"].as_array()) {
    thought += e.at("token").as_string();
  }
  // The end-of-generation token adds no text, so it is not listed (as OpenAI lists none).
  EXPECT_EQ(answer, "Hello!");
  EXPECT_EQ(thought, "<think>Hmm...</think>");
}

TEST_F(ReasoningApiTest, StreamSendsReasoningDeltasBeforeTheAnswer) {
  HttpResponse r =
      Post("/v1/chat/completions", std::string("{") + kHi + R"(,"stream":true,"logprobs":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string reasoning, content, order;
  int reasoning_logprobs = 0, content_logprobs = 0;
  for (const std::string& d : testing::SseData(r.body)) {
    if (d == "[DONE]") break;
    json::object chunk = ParseJsonObject(d);
    json::object c = chunk["choices"].as_array()[0].as_object();
    json::object delta = c["delta"].as_object();
    if (const json::value* v = delta.if_contains("reasoning_content")) {
      reasoning += v->as_string();
      order += 'r';
    }
    if (const json::value* v = delta.if_contains("content"); v && !v->as_string().empty()) {
      content += v->as_string();
      order += 'c';
    }
    if (c["logprobs"].is_object()) {
      json::object lp = c["logprobs"].as_object();
      content_logprobs += int(lp["content"].as_array().size());
      if (lp.contains("reasoning_content")) {
        reasoning_logprobs += int(lp["reasoning_content"].as_array().size());
      }
    }
  }
  EXPECT_EQ(reasoning, "Hmm...");
  EXPECT_EQ(content, "Hello!");
  EXPECT_EQ(order.find_last_of('r') < order.find('c'), true) << order;
  EXPECT_EQ(reasoning_logprobs, 4);
  EXPECT_EQ(content_logprobs, 2);  // Hello, ! (not </s>)
}

TEST_F(ReasoningApiTest, ReasoningFormatNoneLeavesTheTagsInTheAnswer) {
  json::object m = Message(std::string("{") + kHi + R"(,"reasoning_format":"none"})");
  EXPECT_EQ(m["content"], "<think>Hmm...</think>Hello!");
  EXPECT_FALSE(m.contains("reasoning_content"));
  HttpResponse bad =
      Post("/v1/chat/completions", std::string("{") + kHi + R"(,"reasoning_format":"loud"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(testing::ErrorField(bad, "param"), "reasoning_format");
}

TEST_F(ReasoningApiTest, AGenerationStoppedMidThoughtIsAllReasoning) {
  HttpResponse r = Post("/v1/chat/completions", std::string("{") + kHi + R"(,"max_tokens":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object choice = ParseJsonObject(r.body)["choices"].as_array()[0].as_object();
  EXPECT_EQ(choice["message"].as_object()["content"], "");
  EXPECT_EQ(choice["message"].as_object()["reasoning_content"], "Hmm...");
  EXPECT_EQ(choice["finish_reason"], "length");
}

TEST_F(ReasoningApiTest, ATemplateThatOpensTheThoughtGivesOnlyTheClosingTag) {
  json::object m = Message(std::string("{") + kHi + R"(,"model":"thinking-open"})");
  EXPECT_EQ(m["content"], "Hello!");
  EXPECT_EQ(m["reasoning_content"], "Hmm...");
}

TEST_F(ReasoningApiTest, TextCompletionsAreNotSplit) {
  HttpResponse r = Post("/v1/completions", R"({"prompt":"Hi\n","temperature":0})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJsonObject(r.body)["choices"].as_array()[0].as_object()["text"],
            "<think>Hmm...</think>Hello!");
}

TEST_F(ReasoningApiTest, ChatSseMarksTheThoughtsTokens) {
  HttpResponse r = Post("/chat", R"({"prompt":"Hi","temperature":0})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> events;
  std::vector<std::string> data = testing::SseData(r.body, &events);
  ASSERT_EQ(data.size(), 8u) << r.body;
  std::string reasoning, text;
  for (int i = 0; i < 7; ++i) {
    json::object t = ParseJsonObject(data[i]);
    EXPECT_EQ(t.contains("phase"), i < 4) << i;
    if (i < 4) {
      EXPECT_EQ(t["phase"], "reasoning");
    }
    if (t.contains("reasoning")) reasoning += t["reasoning"].as_string();
    text += t["text"].as_string();
  }
  EXPECT_EQ(reasoning, "Hmm...");
  EXPECT_EQ(text, "Hello!");
  EXPECT_EQ(events[7], "done");
}

// Ollama's /api/chat: the thought in message.thinking, `think: false` leaves it in the content.
TEST_F(ReasoningApiTest, OllamaChatPutsTheThoughtInThinking) {
  const std::string req =
      R"({"model":"thinking","messages":[{"role":"user","content":"Hi"}],"options":{"temperature":0})";
  HttpResponse full = Post("/api/chat", req + R"(,"stream":false})");
  ASSERT_EQ(full.status, 200) << full.body;
  json::object o = ParseJsonObject(full.body);
  EXPECT_EQ(o["model"], "thinking");
  EXPECT_EQ(o["done"], true);
  EXPECT_EQ(o["done_reason"], "stop");
  EXPECT_EQ(o["eval_count"], 7);
  EXPECT_GT(o["prompt_eval_count"].as_int64(), 1);
  EXPECT_EQ(o["message"].as_object()["role"], "assistant");
  EXPECT_EQ(o["message"].as_object()["content"], "Hello!");
  EXPECT_EQ(o["message"].as_object()["thinking"], "Hmm...");

  // Streamed (Ollama's default): one JSON object per line, the thought's lines first.
  HttpResponse stream = Post("/api/chat", req + "}");
  ASSERT_EQ(stream.status, 200) << stream.body;
  EXPECT_EQ(stream.headers["content-type"], "application/x-ndjson");
  std::string thinking, content, order;
  json::object last;
  size_t start = 0;
  for (size_t nl; (nl = stream.body.find('\n', start)) != std::string::npos; start = nl + 1) {
    last = ParseJsonObject(stream.body.substr(start, nl - start));
    json::object m = last["message"].as_object();
    if (m.contains("thinking")) {
      thinking += m["thinking"].as_string();
      order += 't';
    }
    if (!m["content"].as_string().empty()) {
      content += m["content"].as_string();
      order += 'c';
    }
  }
  EXPECT_EQ(start, stream.body.size());
  EXPECT_EQ(thinking, "Hmm...");
  EXPECT_EQ(content, "Hello!");
  EXPECT_LT(order.find_last_of('t'), order.find('c')) << order;
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["eval_count"], 7);

  json::object off =
      ParseJsonObject(Post("/api/chat", req + R"(,"stream":false,"think":false})").body);
  EXPECT_EQ(off["message"].as_object()["content"], "<think>Hmm...</think>Hello!");
  EXPECT_FALSE(off["message"].as_object().contains("thinking"));
  HttpResponse bad = Post("/api/chat", req + R"(,"think":"very"})");
  EXPECT_EQ(bad.status, 400);
  // Ollama's error shape: {"error": "..."}, naming the field.
  EXPECT_NE(std::string(ParseJsonObject(bad.body).at("error").as_string()).find("'think'"),
            std::string::npos);
  // num_predict is max_tokens: two tokens in, the reply is still thinking.
  json::object cut = ParseJsonObject(
      Post("/api/chat", R"({"model":"thinking","messages":[{"role":"user","content":"Hi"}],)"
                        R"("stream":false,"options":{"temperature":0,"num_predict":2}})")
          .body);
  EXPECT_EQ(cut["done_reason"], "length");
  EXPECT_EQ(cut["message"].as_object()["content"], "");
  EXPECT_EQ(cut["message"].as_object()["thinking"], "Hmm");
}

}  // namespace
}  // namespace inferno
