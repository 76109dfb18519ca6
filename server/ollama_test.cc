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

TEST(OllamaTags, ListsUsableModelsAndRunningOnes) {
  ModelInfo a;
  a.id = "qwen3-1.7b-Q4_K_M";
  a.size_bytes = 1107409952;
  a.quant = "Q4_K_M";
  a.architecture = "qwen3";
  a.parameters = 1.72e9;
  a.modified = 1764547200;  // 2025-12-01T00:00:00Z
  a.loaded = true;
  a.context_size = 4096;
  ModelInfo b = a;
  b.id = "tiny";
  b.parameters = 4.8e6;
  b.loaded = false;
  ModelInfo broken = a;
  broken.id = "broken";
  broken.error = "not a GGUF file";
  broken.loaded = false;

  const json::object tags = OllamaTags({a, b, broken});
  const json::array& models = tags.at("models").as_array();
  ASSERT_EQ(models.size(), 2u);  // the unusable file is no model
  const json::object& m = models[0].as_object();
  EXPECT_EQ(m.at("name"), "qwen3-1.7b-Q4_K_M");
  EXPECT_EQ(m.at("model"), "qwen3-1.7b-Q4_K_M");
  EXPECT_EQ(m.at("modified_at"), "2025-12-01T00:00:00.000Z");
  EXPECT_EQ(m.at("size").to_number<int64_t>(), 1107409952);
  const json::object& d = m.at("details").as_object();
  EXPECT_EQ(d.at("format"), "gguf");
  EXPECT_EQ(d.at("family"), "qwen3");
  EXPECT_EQ(d.at("parameter_size"), "1.7B");
  EXPECT_EQ(d.at("quantization_level"), "Q4_K_M");
  EXPECT_EQ(models[1].at("details").at("parameter_size"), "5M");

  const json::object ps = OllamaRunning({a, b, broken});
  const json::array& running = ps.at("models").as_array();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].at("name"), "qwen3-1.7b-Q4_K_M");
  EXPECT_EQ(running[0].at("context_length").to_number<int>(), 4096);
}

}  // namespace
}  // namespace inferno::server
