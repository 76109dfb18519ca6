#include "engine/runtime/session.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value().release();
    pool_ = new ThreadPool(2);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete pool_;
  }

  std::vector<Event> Generate(const GenerateRequest& req, SessionOptions opts = {},
                              Status* status = nullptr, int cancel_after = -1) {
    Session s(*model_, *pool_, opts);
    std::vector<Event> events;
    const Status st = s.Generate(req, [&](const Event& e) {
      events.push_back(e);
      return cancel_after < 0 || int(events.size()) < cancel_after;
    });
    if (status) *status = st;
    return events;
  }

  static Model* model_;
  static ThreadPool* pool_;
};
Model* SessionTest::model_ = nullptr;
ThreadPool* SessionTest::pool_ = nullptr;

GenerateRequest Greedy(const std::string& prompt, int n) {
  GenerateRequest r;
  r.prompt = prompt;
  r.max_tokens = n;
  r.sampling.temperature = 0;
  return r;
}

TEST_F(SessionTest, EventOrderAndStreamedTextEqualsDecode) {
  GenerateRequest req = Greedy("The quick brown fox", 12);
  req.top_k_events = 5;
  const std::vector<Event> ev = Generate(req);
  ASSERT_EQ(ev.front().type, Event::Type::kPrompt);
  ASSERT_EQ(ev.back().type, Event::Type::kDone);
  std::vector<int32_t> ids;
  std::string text;
  for (size_t i = 1; i + 1 < ev.size(); ++i) {
    ASSERT_EQ(ev[i].type, Event::Type::kToken);
    EXPECT_EQ(ev[i].index, int(i) - 1);
    EXPECT_EQ(ev[i].position, int(ev[0].prompt_tokens.size()) + int(i) - 1);
    ASSERT_EQ(ev[i].top.size(), 5u);
    EXPECT_EQ(ev[i].top[0].id, ev[i].id);  // greedy picks the most likely token
    EXPECT_EQ(ev[i].rank, 0);
    EXPECT_NEAR(ev[i].top[0].prob, ev[i].prob, 1e-6);
    ids.push_back(ev[i].id);
    text += ev[i].text;
  }
  text += ev.back().text;
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(ev.back().finish_reason, "length");
  EXPECT_EQ(ev.back().timings.generated_tokens, 12);
  // The streamed text is the decoded continuation (the prompt's leading-space rule aside).
  const std::string decoded = model_->tokenizer().Decode(ids);
  EXPECT_TRUE(text == decoded || text == " " + decoded) << text << " vs " << decoded;
}

TEST_F(SessionTest, StopStringEndsGenerationAndIsNotEmitted) {
  const std::vector<Event> full = Generate(Greedy("The quick brown fox", 16));
  std::string text;
  for (const Event& e : full) text += e.text;
  ASSERT_GT(text.size(), 6u);
  // Stop at a piece of text the model is known to produce.
  const std::string stop = text.substr(text.size() / 2, 3);
  GenerateRequest req = Greedy("The quick brown fox", 16);
  req.stop = {stop};
  std::string stopped;
  const std::vector<Event> ev = Generate(req);
  for (const Event& e : ev) stopped += e.text;
  EXPECT_EQ(ev.back().finish_reason, "stop");
  EXPECT_EQ(ev.back().stop_sequence, stop);
  EXPECT_EQ(full.back().stop_sequence, "");
  EXPECT_EQ(stopped, text.substr(0, text.find(stop)));
}

TEST_F(SessionTest, SameSeedReproducesSampledText) {
  GenerateRequest req = Greedy("Once upon a time", 10);
  req.sampling.temperature = 1.0f;
  req.sampling.seed = 99;
  auto ids = [&] {
    std::vector<int32_t> out;
    for (const Event& e : Generate(req)) {
      if (e.type == Event::Type::kToken) out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(ids(), ids());
}

TEST_F(SessionTest, PromptLongerThanContextIsAClearError) {
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "word ";
  SessionOptions opts;
  opts.n_ctx = 32;
  Status st;
  const std::vector<Event> ev = Generate(Greedy(prompt, 4), opts, &st);
  EXPECT_EQ(st.code(), Status::Code::kOutOfRange);
  EXPECT_NE(st.message().find("context holds 32"), std::string::npos) << st.message();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Event::Type::kError);
}

TEST_F(SessionTest, GenerationStopsAtContextEnd) {
  SessionOptions opts;
  opts.n_ctx = 12;
  const std::vector<Event> ev = Generate(Greedy("Hello", 100), opts);
  EXPECT_EQ(ev.back().finish_reason, "length");
  EXPECT_LE(ev.back().timings.prompt_tokens + ev.back().timings.generated_tokens, 12);
}

TEST_F(SessionTest, SinkReturningFalseCancels) {
  const std::vector<Event> ev = Generate(Greedy("Hello", 50), {}, nullptr, /*cancel_after=*/4);
  EXPECT_EQ(ev.back().type, Event::Type::kDone);
  EXPECT_EQ(ev.back().finish_reason, "cancelled");
  EXPECT_EQ(ev.back().timings.generated_tokens, 3);
}

TEST_F(SessionTest, BatchedPromptEqualsTokenByTokenPrompt) {
  // Prompt evaluated in one batch vs one token per forward pass: same greedy continuation.
  SessionOptions one;
  one.n_batch = 1;
  auto ids = [&](SessionOptions o) {
    std::vector<int32_t> out;
    for (const Event& e : Generate(Greedy("The capital of France is a city", 8), o)) {
      if (e.type == Event::Type::kToken) out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(ids(one), ids(SessionOptions{}));
}

}  // namespace
}  // namespace inferno
