// The prompt cache (engine/runtime/prompt_cache.h) through the Scheduler on real models: the
// second turn of a conversation, reusing the first turn's KV, must generate what it generates
// from an empty cache. Attention models of several families and weight types, a hybrid model
// with recurrent layers (qwen35: reuse only when its state holds a prefix of the prompt), a
// MoE model and the demo model.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "engine/grammar/gbnf.h"
#include "engine/runtime/scheduled_run.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

ScheduledRun Generate(Scheduler& sched, const GenerateRequest& req) {
  ScheduledRun run = RunToEnd(sched, req);
  EXPECT_EQ(run.Done().type, Event::Type::kDone) << run.Done().error.message();
  return run;
}

GenerateRequest Greedy(std::vector<int32_t> prompt, int n) {
  GenerateRequest r;
  r.prompt_tokens = std::move(prompt);
  r.max_tokens = n;
  r.sampling.temperature = 0;
  r.ignore_eos = true;
  r.probes.full_logits = true;
  return r;
}

// Small prompt chunks: turn 2 is evaluated in other chunks with the cache (its new tokens)
// than without (the whole prompt), as any prompt longer than the batch is.
SchedulerOptions Options(bool cache) {
  return SchedulerOptions{
      .n_slots = 2, .n_ctx = 512, .n_batch = 8, .n_threads = 2, .prompt_cache = cache};
}

std::string ModelPath(const std::string& name) {
  if (name.rfind("zoo/", 0) == 0) return std::string(INFERNO_ZOO_DIR) + "/" + name;
  if (name.rfind("models/", 0) == 0) return std::string(INFERNO_SOURCE_DIR) + "/" + name;
  return testing::SharedDir() + "/fixtures/models/" + name;
}

class PromptCacheTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string path = ModelPath(GetParam());
    if (!fs::exists(path)) GTEST_SKIP() << path << " is missing (make zoo)";
    Result<std::unique_ptr<Model>> m = Model::Load(path);
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
    const Tokenizer& tok = model_->tokenizer();
    first_ = tok.Encode("The old lighthouse keeper climbed the stairs every evening, and",
                        /*add_special=*/true, /*parse_special=*/false);
    more_ = tok.Encode(" then the storm came over the hills", false, false);
  }

  bool recurrent() const {
    const auto& r = model_->config().layer_is_recurrent;
    return std::find(r.begin(), r.end(), true) != r.end();
  }

  // Turn 2 with the cache warmed by turn 1 against turn 2 from an empty cache: the same
  // greedy tokens, and the same logits at every step.
  void ExpectSameAsFresh(const GenerateRequest& turn2, const ScheduledRun& cached) {
    Scheduler fresh_sched(*model_, Options(false));
    const ScheduledRun fresh = Generate(fresh_sched, turn2);
    EXPECT_EQ(fresh.Done().timings.cached_tokens, 0);
    EXPECT_EQ(cached.Tokens(), fresh.Tokens());
    EXPECT_EQ(cached.Done().timings.prompt_tokens, fresh.Done().timings.prompt_tokens);
    size_t k = 0, compared = 0;
    for (const Event& e : cached.events) {
      if (e.type != Event::Type::kToken) continue;
      while (fresh.events[k].type != Event::Type::kToken) ++k;
      // Bit for bit: every position holds what a fresh evaluation computes, since a row's
      // matmuls and attention do not depend on which rows share its batch (the kept positions
      // came from turn 1's chunks and decode steps, the others from other chunks than fresh).
      EXPECT_EQ(e.logits, fresh.events[k++].logits) << "step " << compared;
      ++compared;
    }
    EXPECT_GT(compared, 0u);
    std::printf("[prompt cache] %s: %d of %d prompt tokens reused, %zu steps' logits identical\n",
                GetParam(), cached.Done().timings.cached_tokens,
                cached.Done().timings.prompt_tokens, compared);
  }

  std::unique_ptr<Model> model_;
  std::vector<int32_t> first_, more_;
};

// A chat's second turn: the first turn's prompt, its answer and a new message. The cache holds
// the prompt and all but the last generated token (never evaluated), all a prefix of turn 2,
// so recurrent models reuse it too.
TEST_P(PromptCacheTest, SecondTurnReusesTheFirstAndGeneratesTheSame) {
  Scheduler sched(*model_, Options(true));
  const ScheduledRun turn1 = Generate(sched, Greedy(first_, 6));
  std::vector<int32_t> prompt2 = first_;
  for (int32_t id : turn1.Tokens()) prompt2.push_back(id);
  prompt2.insert(prompt2.end(), more_.begin(), more_.end());
  const GenerateRequest turn2 = Greedy(prompt2, 8);
  const ScheduledRun cached = Generate(sched, turn2);
  EXPECT_EQ(cached.Done().timings.cached_tokens, int(first_.size()) + 5);
  EXPECT_EQ(cached.Done().timings.prompt_tokens, int(prompt2.size()));
  const SchedulerStats st = sched.stats();
  EXPECT_EQ(st.prompt_cache.hits, 1u);
  EXPECT_EQ(st.prompt_cache.reused_tokens, first_.size() + 5);
  // Evaluated: turn 1's prompt, then only turn 2's new tokens.
  EXPECT_EQ(st.prompt_tokens, uint64_t(first_.size() + prompt2.size() - (first_.size() + 5)));
  ExpectSameAsFresh(turn2, cached);
}

// A prompt that leaves turn 1 after its prompt: attention layers keep the common prefix;
// recurrent states, which absorbed turn 1's answer, return to the copy taken after its prompt.
TEST_P(PromptCacheTest, DivergingPromptKeepsTheCommonPrefixOrReturnsToTheCheckpoint) {
  Scheduler sched(*model_, Options(true));
  const ScheduledRun turn1 = Generate(sched, Greedy(first_, 6));
  std::vector<int32_t> prompt2 = first_;
  prompt2.insert(prompt2.end(), more_.begin(), more_.end());
  const GenerateRequest turn2 = Greedy(prompt2, 8);
  const ScheduledRun cached = Generate(sched, turn2);
  // The answer's first tokens may happen to be the new message's (random weights).
  size_t common = first_.size();
  const std::vector<int32_t> answer = turn1.Tokens();
  while (common < prompt2.size() && common - first_.size() < 5 &&
         answer[common - first_.size()] == prompt2[common]) {
    ++common;
  }
  ASSERT_LT(common, first_.size() + 5) << "turn 2 does not diverge; change its text";
  // Recurrent states: back to the checkpoint taken after turn 1's prompt.
  const int want = recurrent() ? int(first_.size()) : int(common);
  EXPECT_EQ(cached.Done().timings.cached_tokens, want);
  ExpectSameAsFresh(turn2, cached);
}

// The same prompt again: all of it but the last token, whose logits are needed (a recurrent
// state holds that token already, so it starts afresh).
TEST_P(PromptCacheTest, RepeatedPromptEvaluatesItsLastToken) {
  Scheduler sched(*model_, Options(true));
  (void)Generate(sched, Greedy(first_, 1));  // the cache holds exactly the prompt
  const ScheduledRun again = Generate(sched, Greedy(first_, 6));
  EXPECT_EQ(again.Done().timings.cached_tokens, recurrent() ? 0 : int(first_.size()) - 1);
  ExpectSameAsFresh(Greedy(first_, 6), again);
}

// The prompt attention map records every prompt position: such a request evaluates them all,
// and its map is the one an empty cache gives.
TEST_P(PromptCacheTest, PromptAttentionMapEvaluatesTheWholePrompt) {
  Scheduler sched(*model_, Options(true));
  (void)Generate(sched, Greedy(first_, 1));
  GenerateRequest probed = Greedy(first_, 2);
  probed.probes.attention_prompt = true;
  // An attention layer (recurrent layers have no attention to record).
  const auto& rec = model_->config().layer_is_recurrent;
  const int layer = int(std::find(rec.begin(), rec.end(), false) - rec.begin());
  probed.probes.attention_layers = {rec.empty() ? 0 : layer};
  const ScheduledRun run = Generate(sched, probed);
  EXPECT_EQ(run.Done().timings.cached_tokens, 0);
  Scheduler fresh_sched(*model_, Options(false));
  const ScheduledRun fresh = Generate(fresh_sched, probed);
  auto map_of = [](const ScheduledRun& r) {
    for (const Event& e : r.events) {
      if (e.type == Event::Type::kPromptAttention) return e.attention_map.weights;
    }
    return std::vector<float>{};
  };
  EXPECT_FALSE(map_of(run).empty());
  EXPECT_EQ(map_of(run), map_of(fresh));
}

// n = 3 after a warm turn: the first sequence reuses the cached prefix, and the other two get
// its KV (CopyPrefix, reused positions included); each must be what an empty cache gives.
TEST_P(PromptCacheTest, SeveralChoicesShareAReusedPrefix) {
  GenerateRequest req = Greedy(first_, 6);
  req.prompt_tokens.insert(req.prompt_tokens.end(), more_.begin(), more_.end());
  req.n = 3;
  req.sampling.temperature = 2.0f;
  req.sampling.seed = 7;
  req.probes.full_logits = false;
  auto choices = [](const ScheduledRun& r) {
    std::vector<std::vector<int32_t>> out(3);
    for (const Event& e : r.events) {
      if (e.type == Event::Type::kToken) out[size_t(e.choice)].push_back(e.id);
    }
    return out;
  };
  SchedulerOptions three = Options(true);
  three.n_slots = 3;
  Scheduler sched(*model_, three);
  (void)Generate(sched, Greedy(first_, 1));
  const ScheduledRun run = RunToEnd(sched, req);
  const std::vector<std::vector<int32_t>> cached = choices(run);
  three.prompt_cache = false;
  Scheduler fresh_sched(*model_, three);
  const std::vector<std::vector<int32_t>> fresh = choices(RunToEnd(fresh_sched, req));
  EXPECT_GT(sched.stats().prompt_cache.reused_tokens, 0u);
  EXPECT_EQ(cached, fresh);
  EXPECT_EQ(cached[0].size(), 6u);
}

// A constrained request replays its grammar prefix whatever the cache holds, and generates
// what it does from an empty cache.
TEST_P(PromptCacheTest, GrammarRunsAsWithoutTheCache) {
  Result<grammar::Grammar> g = grammar::ParseGbnf("root ::= [a-z ]+ \".\"");
  ASSERT_TRUE(g.ok()) << g.status().message();
  Scheduler sched(*model_, Options(true));
  (void)Generate(sched, Greedy(first_, 4));
  GenerateRequest req = Greedy(first_, 10);
  req.grammar = std::make_shared<const grammar::Grammar>(std::move(g).value());
  const ScheduledRun cached = Generate(sched, req);
  EXPECT_EQ(cached.Done().timings.cached_tokens, recurrent() ? 0 : int(first_.size()) - 1);
  ExpectSameAsFresh(req, cached);
}

INSTANTIATE_TEST_SUITE_P(
    Models, PromptCacheTest,
    ::testing::Values("llama-tiny-Q8_0.gguf", "llama-tiny-Q4_K_M.gguf", "llama-tiny-F16.gguf",
                      "gemma3-tiny-Q8_0.gguf", "phi3-tiny-Q8_0.gguf", "qwen2-tiny-Q8_0.gguf",
                      "zoo/qwen35-tiny-Q8_0.gguf", "zoo/qwen3moe-tiny-Q8_0.gguf",
                      "zoo/gpt-oss-tiny-F16.gguf", "zoo/mistral3-tiny-Q8_0.gguf",
                      "models/inferno-demo-Q8_0.gguf"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      std::string n = fs::path(info.param).stem().string();
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

}  // namespace
}  // namespace inferno
