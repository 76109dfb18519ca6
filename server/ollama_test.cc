#include "server/ollama.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

// A kDone event.
Event Done(const char* reason, int generated, double decode_ms) {
  Event e;
  e.type = Event::Type::kDone;
  e.finish_reason = reason;
  e.timings.generated_tokens = generated;
  e.timings.decode_ms = decode_ms;
  return e;
}

// The field the error of parsing `body` names, "(none)" without an error.
template <typename Parse>
std::string ErrorParam(Parse parse, const std::string& body) {
  GenerateRequest req;
  OllamaParams p;
  std::optional<ApiError> err = parse(body, &req, &p);
  return err ? err->param : std::string("(none)");
}

TEST(OllamaChat, ReadsMessagesOptionsAndThink) {
  GenerateRequest req;
  OllamaParams p;
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
  OllamaParams p;
  ASSERT_FALSE(ParseOllamaChat(R"({"messages":[{"role":"user","content":"Hi"}],"stream":false,
      "options":{"num_predict":-1},"think":false})",
                               &req, &p));
  EXPECT_FALSE(p.stream);
  EXPECT_FALSE(p.max_tokens_given);  // -1: until the context is full
  EXPECT_EQ(req.reasoning_format, ReasoningFormat::kNone);
}

TEST(OllamaChat, BadFieldsNameThemselves) {
  auto param = [](const char* body) { return ErrorParam(ParseOllamaChat, body); };
  EXPECT_EQ(param(R"({"messages":[{"role":"wizard","content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x","images":["aGk="]}]})"), "(none)");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x","images":[5]}]})"),
            "messages[0].images");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"think":"maybe"})"), "think");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"options":{"temperature":9}})"),
            "temperature");
  EXPECT_EQ(param(R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})"), "stream");
}

TEST(OllamaChat, EncodesTheThoughtAsThinking) {
  OllamaEncoder enc(OllamaEncoder::Kind::kChat, "qwen3",
                    [] { return std::string("2026-12-03T13:00:00.000000000Z"); });
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
  Event done = Done("stop", 5, 2);
  done.timings.cached_tokens = 4;
  json::object out = json::parse(enc.Final(done, 7)).as_object();
  EXPECT_EQ(out["message"].as_object()["content"], "Hi");
  EXPECT_EQ(out["message"].as_object()["thinking"], "Hmm");
  EXPECT_EQ(out["done"], true);
  EXPECT_EQ(out["done_reason"], "stop");
  EXPECT_EQ(out["prompt_eval_count"], 7);  // the whole prompt, as Ollama 0.33+
  EXPECT_EQ(out["prompt_eval_cached_count"], 4);
  EXPECT_EQ(out["eval_count"], 5);
  EXPECT_EQ(out["eval_duration"], 2000000);
}

TEST(OllamaChat, EveryStreamedLineHasItsOwnTime) {
  int calls = 0;
  OllamaEncoder enc(OllamaEncoder::Kind::kChat, "m",
                    [&calls] { return "2026-12-03T13:00:0" + std::to_string(calls++) + "Z"; });
  Event a;
  a.text = "Hi";
  Event b;
  b.text = " there";
  EXPECT_EQ(json::parse(enc.TokenLine(a)).at("created_at"), "2026-12-03T13:00:00Z");
  EXPECT_EQ(json::parse(enc.TokenLine(b)).at("created_at"), "2026-12-03T13:00:01Z");
  EXPECT_EQ(json::parse(enc.DoneLine(Done("stop", 2, 1), 3)).at("created_at"),
            "2026-12-03T13:00:02Z");
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
  EXPECT_EQ(running[0].at("expires_at"), "9999-12-31T23:59:59.000Z");  // no keep_alive
  a.expires_at_ms = 1764547500000;                                     // 00:05:00
  EXPECT_EQ(OllamaRunning({a}).at("models").at(0).at("expires_at"), "2025-12-01T00:05:00.000Z");
}

// Ollama loads the model for a chat without messages (and unloads it with keep_alive 0).
TEST(OllamaChat, NoMessagesOnlyLoads) {
  GenerateRequest req;
  OllamaParams p;
  ASSERT_FALSE(ParseOllamaChat(R"({"model":"m","messages":[],"keep_alive":0})", &req, &p));
  EXPECT_TRUE(p.load_only);
  ASSERT_TRUE(p.keep_alive.has_value());
  ASSERT_TRUE(p.keep_alive->has_value());
  EXPECT_EQ((*p.keep_alive)->count(), 0);
  ASSERT_FALSE(ParseOllamaChat(R"({"model":"m"})", &req, &p));
  EXPECT_TRUE(p.load_only);
  EXPECT_FALSE(p.keep_alive.has_value());  // absent: the model's expiry stays as it is
}

std::optional<std::chrono::milliseconds::rep> KeepAliveMs(const char* json_text, bool* ok) {
  KeepAlive k;
  *ok = !ParseKeepAlive(json::parse(json_text), &k).has_value();
  if (!*ok || !k) return std::nullopt;
  return k->count();
}

TEST(OllamaKeepAlive, SecondsAndGoDurations) {
  bool ok = false;
  EXPECT_EQ(KeepAliveMs("10", &ok), 10000);
  EXPECT_EQ(KeepAliveMs("2.9", &ok), 2000);  // whole seconds, as Ollama truncates
  EXPECT_EQ(KeepAliveMs(R"("5m")", &ok), 300000);
  EXPECT_EQ(KeepAliveMs(R"("1h30m")", &ok), 5400000);
  EXPECT_EQ(KeepAliveMs(R"("1.5h")", &ok), 5400000);
  EXPECT_EQ(KeepAliveMs(R"("300ms")", &ok), 300);
  EXPECT_EQ(KeepAliveMs(R"("2m45s")", &ok), 165000);
  EXPECT_EQ(KeepAliveMs(R"("0")", &ok), 0);
  EXPECT_EQ(KeepAliveMs(R"("30")", &ok), 30000);  // a number in a string: seconds
  EXPECT_TRUE(ok);
  // Negative: kept loaded for ever.
  EXPECT_EQ(KeepAliveMs("-1", &ok), std::nullopt);
  EXPECT_TRUE(ok);
  EXPECT_EQ(KeepAliveMs(R"("-1m")", &ok), std::nullopt);
  EXPECT_TRUE(ok);
  for (const char* bad : {R"("5x")", R"("5m3")", R"("m")", R"("")", "true", "[]"}) {
    KeepAliveMs(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(OllamaOptions, MapsHonoursAndRefuses) {
  GenerateRequest req;
  OllamaParams p;
  ASSERT_FALSE(ParseOllamaChat(R"({"messages":[{"role":"user","content":"Hi"}],"options":{
      "top_p":0.5,"min_p":0.1,"repeat_penalty":1.2,"repeat_last_n":-1,"presence_penalty":0.5,
      "frequency_penalty":0.25,"seed":42,"num_ctx":256,"num_thread":3,"num_gpu":0,"use_mmap":true,
      "mirostat":0,"tfs_z":1,"typical_p":1,"penalize_newline":true,"made_up":1}})",
                               &req, &p));
  EXPECT_FLOAT_EQ(req.sampling.top_p, 0.5f);
  EXPECT_FLOAT_EQ(req.sampling.min_p, 0.1f);
  EXPECT_FLOAT_EQ(req.sampling.repeat_penalty, 1.2f);
  EXPECT_EQ(req.sampling.repeat_last_n, 1 << 20);  // -1: the whole context
  EXPECT_FLOAT_EQ(req.sampling.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(req.sampling.frequency_penalty, 0.25f);
  EXPECT_EQ(req.sampling.seed, 42u);
  EXPECT_EQ(p.num_ctx, 256);
  EXPECT_EQ(p.unknown_options, std::vector<std::string>{"made_up"});
  auto param = [](const char* options) {
    return ErrorParam(
        ParseOllamaChat,
        std::string(R"({"messages":[{"role":"user","content":"x"}],"options":)") + options + "}");
  };
  EXPECT_EQ(param(R"({"mirostat":2})"), "mirostat");
  EXPECT_EQ(param(R"({"tfs_z":0.9})"), "tfs_z");
  EXPECT_EQ(param(R"({"typical_p":0.7})"), "typical_p");
  EXPECT_EQ(param(R"({"penalize_newline":false})"), "penalize_newline");
  EXPECT_EQ(param(R"({"num_ctx":"big"})"), "num_ctx");
  EXPECT_EQ(param(R"({"top_k":"x"})"), "top_k");
  EXPECT_EQ(param(R"({"mirostat_eta":0.5})"), "(none)");  // only matters with mirostat on
}

TEST(OllamaGenerate, PromptSystemRawSuffixAndContext) {
  GenerateRequest req;
  OllamaParams p;
  ASSERT_FALSE(ParseOllamaGenerate(
      R"({"model":"m","prompt":"Hi","system":"Be brief","context":[1,2,3],"stream":false})", &req,
      &p));
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].role, "system");
  EXPECT_EQ(req.messages[0].content, "Be brief");
  EXPECT_EQ(req.messages[1].role, "user");
  EXPECT_EQ(req.messages[1].content, "Hi");
  EXPECT_EQ(p.context, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_FALSE(p.stream);
  EXPECT_FALSE(p.load_only);

  GenerateRequest raw;
  ASSERT_FALSE(
      ParseOllamaGenerate(R"({"prompt":"[INST] Hi [/INST]","raw":true,"system":"x"})", &raw, &p));
  EXPECT_TRUE(raw.messages.empty());
  EXPECT_EQ(raw.prompt, "[INST] Hi [/INST]");
  EXPECT_TRUE(p.raw);

  GenerateRequest fim;
  ASSERT_FALSE(ParseOllamaGenerate(R"({"prompt":"def f(","suffix":"  return x"})", &fim, &p));
  EXPECT_EQ(fim.prompt, "def f(");
  EXPECT_EQ(fim.suffix, "  return x");

  GenerateRequest load;
  ASSERT_FALSE(ParseOllamaGenerate(R"({"model":"m"})", &load, &p));
  EXPECT_TRUE(p.load_only);
}

TEST(OllamaGenerate, RefusesWhatItCannotHonour) {
  auto param = [](const char* body) { return ErrorParam(ParseOllamaGenerate, body); };
  EXPECT_EQ(param(R"({"prompt":"x","template":"{{ .Prompt }}"})"), "template");
  EXPECT_EQ(param(R"({"prompt":"x","template":""})"), "(none)");
  EXPECT_EQ(param(R"({"prompt":"x","images":["aGk="]})"), "(none)");  // read by Prepare()
  EXPECT_EQ(param(R"({"prompt":"x","images":"aGk="})"), "images");
  EXPECT_EQ(param(R"({"prompt":"x","images":[]})"), "(none)");
  EXPECT_EQ(param(R"({"prompt":"x","context":[1,-2]})"), "context");
  EXPECT_EQ(param(R"({"prompt":"x","raw":"yes"})"), "raw");
  EXPECT_EQ(param(R"({"prompt":5})"), "prompt");
  EXPECT_EQ(param(R"({"prompt":"x","format":"yaml"})"), "format");
  EXPECT_EQ(param(R"({"prompt":"x","keep_alive":"soon"})"), "keep_alive");
}

TEST(OllamaGenerate, EncodesResponseAndContext) {
  OllamaEncoder enc(OllamaEncoder::Kind::kGenerate, "m",
                    [] { return std::string("2026-12-03T13:00:00.000000000Z"); });
  enc.SetContext({1, 5});
  Event t;
  t.id = 7;
  t.text = "Hel";
  json::object line = json::parse(enc.TokenLine(t)).as_object();
  EXPECT_EQ(line.at("response"), "Hel");
  EXPECT_FALSE(line.contains("message"));
  EXPECT_EQ(line.at("done"), false);
  Event u;
  u.id = 9;
  u.text = "lo";
  enc.TokenLine(u);
  Event done = Done("length", 2, 2);
  done.timings.ttft_ms = 1.5;
  json::object last = json::parse(enc.DoneLine(done, 2)).as_object();
  EXPECT_EQ(last.at("response"), "");
  EXPECT_EQ(last.at("done_reason"), "length");
  EXPECT_EQ(last.at("context"), json::parse("[1,5,7,9]"));
  EXPECT_EQ(last.at("total_duration"), 3500000);
  EXPECT_EQ(json::parse(enc.LoadOnly("unload")),
            json::parse(R"({"model":"m","created_at":"2026-12-03T13:00:00.000000000Z",
                            "response":"","done":true,"done_reason":"unload"})"));
}

TEST(OllamaErrors, TheServersErrorInOllamasShape) {
  EXPECT_EQ(OllamaErrorBody(R"({"error":{"message":"model 'x' not found","type":"not_found_error",)"
                            R"("param":"model","code":"model_not_found"}})"),
            R"({"error":"model 'x' not found"})");
  EXPECT_EQ(OllamaErrorBody("not json"), "not json");
}

}  // namespace
}  // namespace inferno::server
