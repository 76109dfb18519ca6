// The router probe end to end on the zoo's qwen3moe model (llama.cpp-made, random weights):
// every prompt token's routing once after the prompt, each generated token's query with its
// token, and the same choices whether the prompt is evaluated as one batch (grouped by expert)
// or token by token (the decode path).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "tests/session_runner.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(INFERNO_ZOO_DIR) + "/zoo/qwen3moe-tiny-Q8_0.gguf";

std::vector<Event> Generate(const Model& model, int n_batch) {
  GenerateRequest req;
  req.prompt_tokens = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 3244, 340};
  req.max_tokens = 4;
  req.sampling.temperature = 0;
  req.ignore_eos = true;
  req.probes.router = true;
  return testing::RunSession(model, req, /*n_ctx=*/64, n_batch);
}

const Event* Find(const std::vector<Event>& events, Event::Type type) {
  for (const Event& e : events) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

TEST(MoeRouterProbe, PromptAndTokensOnTheZooModel) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  Result<std::unique_ptr<Model>> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ModelConfig& c = (*model)->config();
  const std::vector<Event> batch = Generate(**model, 512);
  const Event* prompt = Find(batch, Event::Type::kPromptRouter);
  ASSERT_NE(prompt, nullptr);
  ASSERT_EQ(prompt->router.size(), size_t(12 * c.n_layer));
  for (size_t i = 0; i < prompt->router.size(); ++i) {
    const RouterRow& r = prompt->router[i];
    EXPECT_EQ(r.position, int(i) / c.n_layer);
    EXPECT_EQ(r.layer, int(i) % c.n_layer);
    ASSERT_EQ(r.experts.size(), size_t(c.n_expert_used));
    const std::set<int32_t> distinct(r.experts.begin(), r.experts.end());
    EXPECT_EQ(distinct.size(), r.experts.size());
    EXPECT_GE(*distinct.begin(), 0);
    EXPECT_LT(*distinct.rbegin(), c.n_expert);
    float sum = 0;
    for (float w : r.weights) sum += w;
    EXPECT_NEAR(sum, 1.0f, 1e-5) << "qwen3moe normalises the chosen weights";
    EXPECT_GE(r.weights[0], r.weights[1]) << "by rank";
  }
  int tokens = 0;
  for (const Event& e : batch) {
    if (e.type != Event::Type::kToken) continue;
    ASSERT_EQ(e.router.size(), size_t(c.n_layer)) << "token " << e.index;
    for (const RouterRow& r : e.router) EXPECT_EQ(r.position, e.query_position);
    if (tokens++ == 0) {  // the last prompt position again
      EXPECT_EQ(e.router[0].experts, prompt->router[11 * c.n_layer].experts);
    }
  }
  EXPECT_EQ(tokens, 4);

  // One token per pass: the decode path chooses the same experts with the same weights.
  const std::vector<Event> single = Generate(**model, 1);
  const Event* prompt1 = Find(single, Event::Type::kPromptRouter);
  ASSERT_NE(prompt1, nullptr);
  ASSERT_EQ(prompt1->router.size(), prompt->router.size());
  for (size_t i = 0; i < prompt->router.size(); ++i) {
    EXPECT_EQ(prompt1->router[i].experts, prompt->router[i].experts) << "row " << i;
    for (size_t j = 0; j < prompt->router[i].weights.size(); ++j) {
      EXPECT_NEAR(prompt1->router[i].weights[j], prompt->router[i].weights[j], 1e-4);
    }
  }
}

TEST(Qwen3Moe, ConfigOfTheZooModelAndMissingExpertKeys) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(kModel);
  ASSERT_TRUE(f.ok()) << f.status().message();
  Result<ModelConfig> c = ReadModelConfig(**f);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->n_expert, 8);
  EXPECT_EQ(c->n_expert_used, 2);
  EXPECT_EQ(c->n_ff_exp, 128);
  EXPECT_TRUE(c->rope_neox);

  // The same metadata without one expert key, and the embedding the config reads.
  auto without = [&](const std::string& key) {
    gguf::Writer w;
    for (const gguf::KeyValue& kv : (*f)->metadata()) {
      if (kv.key != key) w.CopyValue(std::string(kv.key), kv.value);
    }
    w.AddTensor("token_embd.weight", DType::kF32, {256, 4}, std::vector<uint8_t>(256 * 4 * 4));
    return w.Serialize();
  };
  const std::vector<uint8_t> no_count = without("qwen3moe.expert_count");
  Result<std::unique_ptr<gguf::File>> a = gguf::File::FromMemory("a.gguf", no_count);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(ReadModelConfig(**a).status().message().find("'qwen3moe.expert_count' is missing"),
            std::string::npos)
      << ReadModelConfig(**a).status().message();
  const std::vector<uint8_t> no_used = without("qwen3moe.expert_used_count");
  Result<std::unique_ptr<gguf::File>> b = gguf::File::FromMemory("b.gguf", no_used);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_NE(ReadModelConfig(**b).status().message().find("expert_used_count' 0 must be 1..8"),
            std::string::npos)
      << ReadModelConfig(**b).status().message();
}

}  // namespace
}  // namespace inferno
