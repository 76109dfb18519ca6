#include "server/ollama.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

TEST(OllamaChat, ReadsMessagesOptionsAndThink) {
  GenerateRequest req;
  OllamaChatParams p;
  ASSERT_FALSE(ParseOllamaChat(R"({"model":"qwen3","messages":[{"role":"user","content":"Hi"}],
      "options":{"temperature":0.2,"top_k":5,"num_predict":9,"stop":["x"],"num_ctx":4096},
      "think":true})",
                               &req, &p));
  EXPECT_EQ(p.model, "qwen3");
  EXPECT_TRUE(p.stream);  // Ollama's default
  EXPECT_TRUE(p.max_tokens_given);
  EXPECT_EQ(req.max_tokens, 9);
  EXPECT_FLOAT_EQ(req.sampling.temperature, 0.2f);
  EXPECT_EQ(req.sampling.top_k, 5);
  EXPECT_EQ(req.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(req.reasoning_format, ReasoningFormat::kAuto);
  ASSERT_EQ(req.messages.size(), 1u);
  EXPECT_EQ(req.messages[0].content, "Hi");
}

TEST(OllamaChat, NoLimitAndNoThinking) {
  GenerateRequest req;
  OllamaChatParams p;
  ASSERT_FALSE(ParseOllamaChat(R"({"messages":[{"role":"user","content":"Hi"}],"stream":false,
      "options":{"num_predict":-1},"think":false})",
                               &req, &p));
  EXPECT_FALSE(p.stream);
  EXPECT_FALSE(p.max_tokens_given);  // -1: until the context is full
  EXPECT_EQ(req.reasoning_format, ReasoningFormat::kNone);
}

TEST(OllamaChat, BadFieldsNameThemselves) {
  auto param = [](const char* body) {
    GenerateRequest req;
    OllamaChatParams p;
    std::optional<ApiError> err = ParseOllamaChat(body, &req, &p);
    return err ? err->param : std::string("(none)");
  };
  EXPECT_EQ(param(R"({"messages":[]})"), "messages");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"think":"maybe"})"), "think");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"options":{"temperature":9}})"),
            "temperature");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})"), "stream");
}

TEST(OllamaChat, EncodesTheThoughtAsThinking) {
  OllamaChatEncoder enc("qwen3", "2026-12-03T13:00:00.000000000Z");
  Event t;
  t.reasoning = "Hmm";
  json::object line = json::parse(enc.TokenLine(t)).as_object();
  EXPECT_EQ(line["message"].as_object()["thinking"], "Hmm");
  EXPECT_EQ(line["message"].as_object()["content"], "");
  EXPECT_EQ(line["done"], false);
  enc.Add(t);
  Event a;
  a.text = "Hi";
  EXPECT_FALSE(
      json::parse(enc.TokenLine(a)).as_object()["message"].as_object().contains("thinking"));
  enc.Add(a);
  Event done;
  done.type = Event::Type::kDone;
  done.finish_reason = "stop";
  done.timings.generated_tokens = 5;
  done.timings.decode_ms = 2;
  json::object out = json::parse(enc.Final(done, 7)).as_object();
  EXPECT_EQ(out["message"].as_object()["content"], "Hi");
  EXPECT_EQ(out["message"].as_object()["thinking"], "Hmm");
  EXPECT_EQ(out["done"], true);
  EXPECT_EQ(out["done_reason"], "stop");
  EXPECT_EQ(out["prompt_eval_count"], 7);
  EXPECT_EQ(out["eval_count"], 5);
  EXPECT_EQ(out["eval_duration"], 2000000);
}

}  // namespace
}  // namespace inferno::server
