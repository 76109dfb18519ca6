#include "engine/runtime/embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <memory>
#include <string>

#include "engine/model/fixture_model_test_util.h"
#include "engine/runtime/scheduler.h"

namespace inferno {
namespace {

// Agreement with llama.cpp is tests/embeddings_parity_test.cc; these check the batching and
// the request rules against our own single-input runs.
class EmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::LoadFixtureModel();
    ASSERT_NE(model_, nullptr);
  }

  EmbedRequest Texts(std::initializer_list<const char*> texts) const {
    EmbedRequest r;
    for (const char* t : texts) r.inputs.push_back(EmbeddingTokens(model_->tokenizer(), t));
    return r;
  }

  EmbedResult Run(const EmbedRequest& r, int n_batch) const {
    ThreadPool pool(2);
    ForwardState state(model_->config(), n_batch);
    Result<EmbedResult> out = Embed(*model_, pool, state, r);
    EXPECT_TRUE(out.ok()) << out.status().message();
    return out.ok() ? *out : EmbedResult{};
  }

  std::unique_ptr<Model> model_;
};

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

void ExpectNear(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << "at " << i;
}

// Inputs packed together, split over passes (batch of 5 rows), give what each gives alone in
// one pass, for every pooling.
TEST_F(EmbedderTest, BatchedAndSplitInputsMatchEachAlone) {
  const EmbedRequest all =
      Texts({"The quick brown fox jumps", "hi", "Once upon a time there was a tiny model"});
  for (Pooling p : {Pooling::kMean, Pooling::kCls, Pooling::kLast}) {
    SCOPED_TRACE(std::string(PoolingName(p)));
    EmbedRequest batched = all;
    batched.pooling = p;
    const EmbedResult together = Run(batched, 5);
    ASSERT_EQ(together.embeddings.size(), 3u);
    int tokens = 0;
    for (size_t i = 0; i < all.inputs.size(); ++i) {
      EmbedRequest one;
      one.inputs = {all.inputs[i]};
      one.pooling = p;
      const EmbedResult alone = Run(one, 64);
      ExpectNear(together.embeddings[i], alone.embeddings[0], 1e-4f);
      EXPECT_NEAR(Norm(together.embeddings[i]), 1.0, 1e-5);
      tokens += int(all.inputs[i].size());
    }
    EXPECT_EQ(together.prompt_tokens, tokens);
    EXPECT_EQ(together.pooling, p);
  }
}

TEST_F(EmbedderTest, PoolingsDifferAndTheModelDefaultIsMean) {
  EmbedRequest r = Texts({"pooling makes a difference"});
  const EmbedResult by_default = Run(r, 64);
  EXPECT_EQ(by_default.pooling, Pooling::kMean);  // llama-tiny declares no pooling_type
  r.pooling = Pooling::kLast;
  const EmbedResult last = Run(r, 64);
  double dot = 0;
  for (size_t i = 0; i < last.embeddings[0].size(); ++i) {
    dot += double(last.embeddings[0][i]) * by_default.embeddings[0][i];
  }
  EXPECT_LT(dot, 0.999);
}

TEST_F(EmbedderTest, DimensionsTruncateThenRenormalise) {
  EmbedRequest r = Texts({"matryoshka"});
  const std::vector<float> full = Run(r, 64).embeddings[0];
  r.dimensions = 16;
  const std::vector<float> cut = Run(r, 64).embeddings[0];
  ASSERT_EQ(cut.size(), 16u);
  EXPECT_NEAR(Norm(cut), 1.0, 1e-5);
  std::vector<float> want(full.begin(), full.begin() + 16);
  L2Normalize(want);
  ExpectNear(cut, want, 1e-6f);
}

TEST_F(EmbedderTest, CheckNamesTheBadInput) {
  const ModelConfig& c = model_->config();
  EmbedRequest r;
  EXPECT_EQ(CheckEmbedRequest(r, c, 64).message(), "input is empty");
  r.inputs = {{1, 2}, {}};
  EXPECT_EQ(CheckEmbedRequest(r, c, 64).message(), "input[1] is empty");
  r.inputs = {{1, c.n_vocab}};
  EXPECT_NE(CheckEmbedRequest(r, c, 64).message().find("input[0]: token id"), std::string::npos);
  r.inputs = {std::vector<int32_t>(65, 1)};
  EXPECT_NE(CheckEmbedRequest(r, c, 64).message().find("more than the context of 64"),
            std::string::npos);
  r.inputs = {{1, 2}};
  r.dimensions = c.n_embd + 1;
  EXPECT_NE(CheckEmbedRequest(r, c, 64).message().find("dimensions"), std::string::npos);
  r.dimensions = c.n_embd;
  EXPECT_TRUE(CheckEmbedRequest(r, c, 64).ok());
}

// The scheduler computes the same vectors on its worker, between generation steps.
TEST_F(EmbedderTest, SchedulerRunsEmbeddingRequests) {
  const EmbedRequest r = Texts({"one", "two words", "and three words"});
  const EmbedResult direct = Run(r, 256);
  std::promise<Result<EmbedResult>> promise;
  {
    Scheduler sched(*model_, SchedulerOptions{.n_slots = 2, .n_ctx = 128, .n_threads = 2});
    sched.SubmitEmbedding(r, [&](Result<EmbedResult> out) { promise.set_value(std::move(out)); });
    Result<EmbedResult> out = promise.get_future().get();
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->embeddings.size(), 3u);
    for (size_t i = 0; i < 3; ++i) ExpectNear(out->embeddings[i], direct.embeddings[i], 1e-5f);
  }
}

// Generated tokens of a greedy request, with an embedding request submitted while it decodes
// (or none): the embedding runs between its steps on the same scratch and must change nothing.
std::vector<int32_t> GenerateAlongside(const Model& model, const EmbedRequest* embed,
                                       Result<EmbedResult>* embedded) {
  GenerateRequest g;
  g.prompt = "Once upon a time";
  g.max_tokens = 24;
  g.sampling.temperature = 0;
  g.ignore_eos = true;
  std::vector<int32_t> tokens;
  std::promise<void> done, embed_done;
  Scheduler sched(model, SchedulerOptions{.n_slots = 2, .n_ctx = 128, .n_threads = 2});
  sched.Submit(g, [&](const Event& e) {
    if (e.type == Event::Type::kToken) tokens.push_back(e.id);
    if (e.type == Event::Type::kToken && tokens.size() == 2 && embed != nullptr) {
      sched.SubmitEmbedding(*embed, [&](Result<EmbedResult> r) {
        *embedded = std::move(r);
        embed_done.set_value();
      });
    }
    if (e.type == Event::Type::kDone || e.type == Event::Type::kError) done.set_value();
    return true;
  });
  done.get_future().wait();
  if (embed != nullptr) embed_done.get_future().wait();
  return tokens;
}

TEST_F(EmbedderTest, EmbeddingBetweenGenerationStepsChangesNeither) {
  const EmbedRequest r = Texts({"an embedding while", "another sequence decodes"});
  Result<EmbedResult> embedded = Status::Cancelled("not run");
  const std::vector<int32_t> alone = GenerateAlongside(*model_, nullptr, nullptr);
  const std::vector<int32_t> together = GenerateAlongside(*model_, &r, &embedded);
  EXPECT_EQ(together, alone);
  ASSERT_EQ(alone.size(), 24u);
  ASSERT_TRUE(embedded.ok()) << embedded.status().message();
  const EmbedResult direct = Run(r, 256);
  for (size_t i = 0; i < 2; ++i) ExpectNear(embedded->embeddings[i], direct.embeddings[i], 1e-5f);
}

}  // namespace
}  // namespace inferno
