// The OpenAI wire format without a model: request parsing (n, echo, logit_bias, refused
// parameters) and the encoder's shapes for synthetic events (usage on chunks, several choices,
// logprobs that join to the content, echo).
#include "server/openai.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

namespace inferno::server {
namespace {

namespace json = boost::json;

Event Token(int choice, std::string piece, std::string text, float prob = 0.5f) {
  Event e;
  e.type = Event::Type::kToken;
  e.choice = choice;
  e.piece = std::move(piece);
  e.text = std::move(text);
  e.prob = prob;
  return e;
}

Event Eos(int choice) {
  Event e = Token(choice, "</s>", "", 0.25f);
  e.end_of_generation = true;
  return e;
}

Event Done(int choice, int generated, std::string finish = "stop") {
  Event e;
  e.type = Event::Type::kDone;
  e.choice = choice;
  e.finish_reason = std::move(finish);
  e.timings.generated_tokens = generated;
  return e;
}

// The JSON objects of an SSE body, [DONE] left out.
std::vector<json::object> Chunks(const std::string& sse) {
  std::vector<json::object> out;
  size_t at = 0;
  while ((at = sse.find("data: ", at)) != std::string::npos) {
    const size_t end = sse.find("\n\n", at);
    const std::string data = sse.substr(at + 6, end - at - 6);
    if (data != "[DONE]") out.push_back(json::parse(data).as_object());
    at = end;
  }
  return out;
}

CompletionParams Parse(const std::string& body, bool chat, GenerateRequest* req) {
  CompletionParams p;
  std::optional<ApiError> err = ParseCompletionRequest(body, chat, req, &p);
  EXPECT_FALSE(err) << (err ? err->message : "");
  return p;
}

ApiError Refused(const std::string& body, bool chat) {
  GenerateRequest req;
  CompletionParams p;
  std::optional<ApiError> err = ParseCompletionRequest(body, chat, &req, &p);
  EXPECT_TRUE(err) << body;
  return err.value_or(ApiError{});
}

constexpr char kMessages[] = R"("messages":[{"role":"user","content":"Hi"}])";

TEST(OpenAiParse, NUpToEight) {
  GenerateRequest req;
  const CompletionParams p = Parse(std::string("{") + kMessages + R"(,"n":3})", true, &req);
  EXPECT_EQ(p.n, 3);
  EXPECT_EQ(req.n, 3);
  const ApiError e = Refused(std::string("{") + kMessages + R"(,"n":9})", true);
  EXPECT_EQ(e.param, "n");
  EXPECT_EQ(e.message, "'n' must be between 1 and 8");
}

TEST(OpenAiParse, LogitBiasIsReadIntoTheSampling) {
  GenerateRequest req;
  Parse(std::string("{") + kMessages + R"(,"logit_bias":{"15":-100,"7":2.5}})", true, &req);
  const std::vector<std::pair<int32_t, float>> want = {{15, -100.0f}, {7, 2.5f}};
  EXPECT_EQ(req.sampling.logit_bias, want);
  ApiError e = Refused(std::string("{") + kMessages + R"(,"logit_bias":{"15":101}})", true);
  EXPECT_EQ(e.param, "logit_bias");
  EXPECT_EQ(e.message, "'logit_bias' biases must be between -100 and 100");
  e = Refused(std::string("{") + kMessages + R"(,"logit_bias":{"hello":1}})", true);
  EXPECT_EQ(e.param, "logit_bias");
  e = Refused(std::string("{") + kMessages + R"(,"logit_bias":[1]})", true);
  EXPECT_EQ(e.param, "logit_bias");
}

TEST(OpenAiParse, KnownParametersThatCannotBeHonouredAreRefusedByName) {
  EXPECT_EQ(Refused(R"({"prompt":"x","best_of":2})", false).param, "best_of");
  EXPECT_EQ(Refused(std::string("{") + kMessages + R"(,"service_tier":"flex"})", true).param,
            "service_tier");
  EXPECT_EQ(
      Refused(std::string("{") + kMessages + R"(,"modalities":["text","audio"]})", true).param,
      "modalities");
  const ApiError e = Refused(std::string("{") + kMessages + R"(,"audio":{"voice":"x"}})", true);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.param, "audio");
  EXPECT_NE(e.message.find("'audio'"), std::string::npos);
  // Their neutral values, and names the server does not know, pass.
  GenerateRequest req;
  Parse(R"({"prompt":"x","best_of":1,"service_tier":"auto","made_up":5})", false, &req);
  Parse(std::string("{") + kMessages + R"(,"service_tier":"default","modalities":["text"]})", true,
        &req);
}

TEST(OpenAiParse, EchoOnTextCompletionsScoresThePromptWhenLogprobsAreAsked) {
  GenerateRequest req;
  CompletionParams p = Parse(R"({"prompt":"Once","echo":true})", false, &req);
  EXPECT_TRUE(p.echo);
  EXPECT_EQ(p.echo_text, "Once");
  EXPECT_FALSE(req.probes.prompt_surprisal);
  GenerateRequest scored;
  p = Parse(R"({"prompt":"Once","echo":true,"logprobs":2})", false, &scored);
  EXPECT_TRUE(scored.probes.prompt_surprisal);
  EXPECT_EQ(scored.top_k_events, 2);
  EXPECT_EQ(Refused(R"({"prompt":"Once","echo":"yes"})", false).param, "echo");
}

TEST(OpenAiParse, SuffixAsksForFillInTheMiddle) {
  GenerateRequest req;
  Parse(R"({"prompt":"def f(","suffix":"  return x"})", false, &req);
  EXPECT_EQ(req.prompt, "def f(");
  EXPECT_EQ(req.suffix, "  return x");
  EXPECT_EQ(Refused(R"({"prompt":"x","suffix":5})", false).param, "suffix");
}

// As OpenAI's API takes it: a prompt of token ids is used as it is (a comparison sends the
// prompt another model's tokenizer made, server/model_compare.h).
TEST(OpenAiParse, PromptOfTokenIds) {
  GenerateRequest req;
  Parse(R"({"prompt":[1,450,4123]})", false, &req);
  EXPECT_EQ(req.prompt_tokens, (std::vector<int32_t>{1, 450, 4123}));
  EXPECT_TRUE(req.prompt.empty());
  for (const char* bad : {R"({"prompt":[]})", R"({"prompt":[1,-2]})", R"({"prompt":[1,"a"]})",
                          R"({"prompt":[1.5]})", R"({"prompt":[4294967296]})"}) {
    EXPECT_EQ(Refused(bad, false).param, "prompt") << bad;
  }
}

TEST(OpenAiEncoder, WithIncludeUsageEveryChunkHasUsageNullButTheLast) {
  CompletionParams params;
  params.stream = true;
  params.include_usage = true;
  CompletionEncoder enc(params, "m", "id", 1);
  std::string sse = enc.FirstChunk();
  sse += enc.TokenChunk(Token(0, "Hi", "Hi"));
  Event done = Done(0, 1, "length");
  done.timings.cached_tokens = 3;  // of the 5 prompt tokens, from the prompt cache
  sse += enc.FinalChunks(done, 5);
  const std::vector<json::object> chunks = Chunks(sse);
  ASSERT_EQ(chunks.size(), 4u);  // role, token, finish, usage
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_TRUE(chunks[i].contains("usage")) << i;
    EXPECT_TRUE(chunks[i].at("usage").is_null()) << i;
  }
  EXPECT_EQ(json::serialize(chunks.back().at("usage")),
            R"({"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,)"
            R"("prompt_tokens_details":{"cached_tokens":3}})");
  EXPECT_TRUE(chunks.back().at("choices").as_array().empty());
  // Without include_usage the field is absent.
  CompletionEncoder plain(CompletionParams{}, "m", "id", 1);
  EXPECT_FALSE(Chunks(plain.TokenChunk(Token(0, "Hi", "Hi")))[0].contains("usage"));
}

// The chunk with the finish reason carries llama-server's timings; speculative decoding adds
// its drafted and accepted counts, only when a draft proposed anything.
TEST(OpenAiEncoder, TimingsCarryDraftCountsWhenSpeculated) {
  CompletionParams params;
  params.stream = true;
  CompletionEncoder enc(params, "m", "id", 1);
  Event done = Done(0, 9, "length");
  const json::object plain = Chunks(enc.FinalChunks(done, 5)).front().at("timings").as_object();
  EXPECT_EQ(plain.at("predicted_n"), 9);
  EXPECT_FALSE(plain.contains("draft_n"));
  CompletionEncoder spec_enc(params, "m", "id", 1);
  done.timings.drafted_tokens = 10;
  done.timings.accepted_tokens = 7;
  const json::object spec = Chunks(spec_enc.FinalChunks(done, 5)).front().at("timings").as_object();
  EXPECT_EQ(spec.at("draft_n"), 10);
  EXPECT_EQ(spec.at("draft_n_accepted"), 7);
}

TEST(OpenAiEncoder, ChatLogprobsLeaveOutTheEndOfGenerationToken) {
  CompletionParams params;
  params.logprobs = true;
  CompletionEncoder enc(params, "m", "id", 1);
  enc.Add(Token(0, "Hel", "Hel"));
  enc.Add(Token(0, "lo", "lo"));
  enc.Add(Eos(0));
  const json::object body = json::parse(enc.Final(Done(0, 3), 4)).as_object();
  const json::object& choice = body.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("message").at("content").as_string(), "Hello");
  const json::array& content = choice.at("logprobs").at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].at("token").as_string(), "Hel");
  EXPECT_EQ(content[1].at("token").as_string(), "lo");
  EXPECT_EQ(body.at("usage").at("completion_tokens").as_int64(), 3);

  // Streamed: the end-of-generation token sends no chunk.
  CompletionEncoder streamed(params, "m", "id", 1);
  EXPECT_FALSE(streamed.TokenChunk(Token(0, "Hel", "Hel")).empty());
  EXPECT_EQ(streamed.TokenChunk(Eos(0)), "");
}

TEST(OpenAiEncoder, LegacyLogprobsStopAtTheStopString) {
  // Stop "\n\n": the held-back "\n" and the token completing the stop string are not listed.
  CompletionParams params;
  params.chat = false;
  params.logprobs = true;
  CompletionEncoder enc(params, "m", "id", 1);
  enc.Add(Token(0, "A", "A"));
  enc.Add(Token(0, " b", " b"));
  enc.Add(Token(0, "\n", ""));
  enc.Add(Token(0, "\nC", ""));
  const json::object body = json::parse(enc.Final(Done(0, 4), 2)).as_object();
  const json::object& choice = body.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("text").as_string(), "A b");
  EXPECT_EQ(json::serialize(choice.at("logprobs").at("tokens")), R"(["A"," b"])");
  EXPECT_EQ(json::serialize(choice.at("logprobs").at("text_offset")), "[0,1]");
}

TEST(OpenAiEncoder, ChoicesKeepTheirIndexAndUsageCountsThemAll) {
  CompletionParams params;
  params.n = 2;
  params.stream = true;
  params.include_usage = true;
  CompletionEncoder enc(params, "m", "id", 1);
  std::string sse = enc.FirstChunk();
  sse += enc.TokenChunk(Token(0, "a", "a"));
  sse += enc.TokenChunk(Token(1, "b", "b"));
  sse += enc.FinalChunks(Done(1, 1), 3);
  EXPECT_EQ(sse.find("[DONE]"), std::string::npos);  // choice 0 is still going
  sse += enc.TokenChunk(Token(0, "c", "c"));
  sse += enc.FinalChunks(Done(0, 2, "length"), 3);
  std::string text[2];
  int roles = 0;
  for (const json::object& chunk : Chunks(sse)) {
    for (const json::value& c : chunk.at("choices").as_array()) {
      const int64_t i = c.at("index").as_int64();
      const json::object& delta = c.at("delta").as_object();
      if (delta.contains("role")) ++roles;
      if (delta.contains("content")) text[i] += std::string(delta.at("content").as_string());
    }
  }
  EXPECT_EQ(roles, 2);
  EXPECT_EQ(text[0], "ac");
  EXPECT_EQ(text[1], "b");
  EXPECT_EQ(Chunks(sse).back().at("usage").at("completion_tokens").as_int64(), 3);

  params.stream = false;
  CompletionEncoder whole(params, "m", "id", 1);
  whole.Add(Token(1, "x", "x"));
  EXPECT_EQ(whole.Final(Done(1, 1), 3), "");  // not every choice is done
  whole.Add(Token(0, "y", "y"));
  const json::object body = json::parse(whole.Final(Done(0, 1), 3)).as_object();
  const json::array& choices = body.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("index").as_int64(), 0);
  EXPECT_EQ(choices[0].at("message").at("content").as_string(), "y");
  EXPECT_EQ(choices[1].at("message").at("content").as_string(), "x");
  EXPECT_EQ(body.at("usage").at("completion_tokens").as_int64(), 2);
}

TEST(OpenAiEncoder, EchoPutsThePromptAndItsLogprobsFirst) {
  CompletionParams params;
  params.chat = false;
  params.logprobs = true;
  params.echo = true;
  params.echo_text = "Hi";
  CompletionEncoder enc(params, "m", "id", 1);
  enc.PromptChunks({{"H", std::nullopt, {}}, {"i", 0.5f, {{3, "i", 1.0f, 0.5f}}}});
  enc.Add(Token(0, "!", "!", 0.25f));
  const json::object body = json::parse(enc.Final(Done(0, 1), 2)).as_object();
  const json::object& choice = body.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("text").as_string(), "Hi!");
  const json::object& lp = choice.at("logprobs").as_object();
  EXPECT_EQ(json::serialize(lp.at("tokens")), R"(["H","i","!"])");
  EXPECT_TRUE(lp.at("token_logprobs").as_array()[0].is_null());
  EXPECT_NEAR(lp.at("token_logprobs").as_array()[1].as_double(), std::log(0.5), 1e-6);
  EXPECT_TRUE(lp.at("top_logprobs").as_array()[0].is_null());
  EXPECT_EQ(json::serialize(lp.at("text_offset")), "[0,1,2]");

  // Streamed without logprobs: the prompt is the first chunk.
  params.logprobs = false;
  params.stream = true;
  CompletionEncoder streamed(params, "m", "id", 1);
  const std::vector<json::object> first = Chunks(streamed.FirstChunk());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at("choices").as_array()[0].at("text").as_string(), "Hi");
}

}  // namespace
}  // namespace inferno::server
