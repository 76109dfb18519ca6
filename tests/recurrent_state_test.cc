// The recurrent state of a hybrid model (the zoo's qwen35, llama.cpp-made oracles, random
// weights) through the paths that reuse a cache: a slot's next request must start from a fresh
// state, a prompt split into chunks must give what one batch gives, and sequences batched
// together by the scheduler must each keep their own state. Parity with llama.cpp itself is
// tests/parity_test.cc's.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <future>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/probes.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/session.h"
#include "tests/session_runner.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(INFERNO_ZOO_DIR) + "/zoo/qwen35-tiny-F16.gguf";
const std::vector<int32_t> kPromptA = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290};
const std::vector<int32_t> kPromptB = {15496, 11, 616, 1438, 318, 198};

// Logits of the last token of `prompt` evaluated from position 0 in chunks of `chunk`.
std::vector<float> Evaluate(const Model& m, KvCache& cache, const std::vector<int32_t>& prompt,
                            int chunk) {
  ThreadPool pool(2);
  ForwardState state(m.config(), chunk);
  std::vector<float> logits(m.config().n_vocab);
  for (size_t i = 0; i < prompt.size(); i += chunk) {
    const size_t n = std::min(prompt.size() - i, size_t(chunk));
    std::vector<int32_t> pos(n);
    for (size_t j = 0; j < n; ++j) pos[j] = int32_t(i + j);
    Forward(m, pool, cache, std::span<const int32_t>(prompt.data() + i, n), pos, state,
            logits.data());
  }
  return logits;
}

double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

std::unique_ptr<Model> LoadOrSkip() {
  Result<std::unique_ptr<Model>> model = Model::Load(kModel);
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? std::move(*model) : nullptr;
}

TEST(RecurrentState, HybridLayersAreKnown) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  const std::vector<bool> want = {true, true, true, false};  // full attention every 4th layer
  EXPECT_EQ(m->config().layer_is_recurrent, want);
  EXPECT_EQ(LayerKind(m->config(), 0), "linear attention (Gated DeltaNet)");
  EXPECT_EQ(LayerKind(m->config(), 3), "attention");
}

TEST(RecurrentState, InspectShowsTheLayerKinds) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  const testing::ProcessResult text =
      testing::RunProcess({testing::InfernoBinary(), "inspect", kModel});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("layers:       0-2 linear attention (Gated DeltaNet), 3 attention\n"),
            std::string::npos)
      << text.out;
  const testing::ProcessResult json =
      testing::RunProcess({testing::InfernoBinary(), "inspect", "--json", kModel});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const boost::json::array kinds =
      boost::json::parse(json.out).as_object().at("layer_kinds").as_array();
  ASSERT_EQ(kinds.size(), 4u);
  EXPECT_EQ(kinds[1].as_string(), "linear attention (Gated DeltaNet)");
  EXPECT_EQ(kinds[3].as_string(), "attention");
}

TEST(RecurrentState, PositionZeroStartsAfresh) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  KvCache fresh(m->config(), 64), reused(m->config(), 64);
  const std::vector<float> want = Evaluate(*m, fresh, kPromptB, 16);
  Evaluate(*m, reused, kPromptA, 16);
  // Without the reset, B would continue A's state and its logits would move by whole units.
  EXPECT_EQ(MaxDiff(Evaluate(*m, reused, kPromptB, 16), want), 0.0);
}

// A state cannot be rewound or skipped ahead: such a call is a bug in the caller, and computing
// on with the wrong history would be silently wrong, so it stops the process with the reason.
TEST(RecurrentStateDeathTest, AGapInPositionsAborts) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  auto gap = [&] {
    KvCache cache(m->config(), 64);
    Evaluate(*m, cache, kPromptA, 16);
    ThreadPool pool(1);
    ForwardState state(m->config(), 1);
    std::vector<float> logits(m->config().n_vocab);
    const int32_t token = 11;
    const int32_t pos = 4;  // the state holds 9 tokens
    Forward(*m, pool, cache, std::span<const int32_t>(&token, 1), std::span<const int32_t>(&pos, 1),
            state, logits.data());
  };
  EXPECT_DEATH(
      gap(),
      "token at position 4 does not continue its recurrent state \\(which holds 9 tokens\\)");
}

TEST(RecurrentState, ChunkedPromptMatchesOneBatch) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  KvCache one(m->config(), 64), chunked(m->config(), 64), single(m->config(), 64);
  const std::vector<float> want = Evaluate(*m, one, kPromptA, 16);
  // Only the batched matmuls' summation order differs (F16 weights): far below 1e-3.
  EXPECT_LT(MaxDiff(Evaluate(*m, chunked, kPromptA, 4), want), 1e-3);
  EXPECT_LT(MaxDiff(Evaluate(*m, single, kPromptA, 1), want), 1e-3);
}

// The generated ids of a request's events.
std::vector<int32_t> GreedyIds(const std::vector<Event>& events) {
  std::vector<int32_t> ids;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken) ids.push_back(e.id);
  }
  return ids;
}

TEST(RecurrentState, BatchedSequencesKeepTheirOwnState) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  auto request = [](const std::vector<int32_t>& prompt) {
    GenerateRequest r;
    r.prompt_tokens = prompt;
    r.max_tokens = 8;
    r.sampling.temperature = 0;
    r.ignore_eos = true;
    return r;
  };
  std::vector<Event> alone_a, alone_b;
  {
    ThreadPool pool(2);
    Session session(*m, pool, SessionOptions{64, 16});
    auto sink = [](std::vector<Event>* out) {
      return [out](const Event& e) {
        out->push_back(e);
        return true;
      };
    };
    ASSERT_TRUE(session.Generate(request(kPromptA), sink(&alone_a)).ok());
    ASSERT_TRUE(session.Generate(request(kPromptB), sink(&alone_b)).ok());
  }
  SchedulerOptions so;
  so.n_slots = 2;
  so.n_ctx = 64;
  so.n_threads = 2;
  Scheduler scheduler(*m, so);
  std::vector<Event> batched[2];
  std::promise<void> done[2];
  for (int i = 0; i < 2; ++i) {
    scheduler.Submit(request(i == 0 ? kPromptA : kPromptB), [&, i](const Event& e) {
      batched[i].push_back(e);
      if (e.type == Event::Type::kDone || e.type == Event::Type::kError) done[i].set_value();
      return true;
    });
  }
  for (auto& d : done) d.get_future().wait();
  EXPECT_EQ(GreedyIds(batched[0]), GreedyIds(alone_a));
  EXPECT_EQ(GreedyIds(batched[1]), GreedyIds(alone_b));
  EXPECT_EQ(GreedyIds(alone_a).size(), 8u);
}

TEST(RecurrentState, AttentionProbesNameTheAttentionLayers) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  ProbeOptions p;
  p.attention = true;
  EXPECT_TRUE(CheckProbes(p, m->config()).ok());  // none named: the attention layers
  p.attention_layers = {1};
  Status linear = CheckProbes(p, m->config());
  EXPECT_NE(linear.message().find("layer 1 is a linear-attention"), std::string::npos)
      << linear.message();
  p.attention_layers = {3};
  EXPECT_TRUE(CheckProbes(p, m->config()).ok());
}

// The debugger asks for attention without naming layers: on a hybrid model that is its
// attention layers, in the token events and in the prompt map, each head summing to 1.
TEST(RecurrentState, AttentionProbesWithoutLayersRecordTheAttentionLayers) {
  if (!fs::exists(kModel)) GTEST_SKIP() << "no zoo (make zoo): " << kModel;
  std::unique_ptr<Model> m = LoadOrSkip();
  ASSERT_NE(m, nullptr);
  GenerateRequest r;
  r.prompt_tokens = kPromptA;
  r.max_tokens = 3;
  r.sampling.temperature = 0;
  r.ignore_eos = true;
  r.probes.attention = true;
  r.probes.attention_prompt = true;
  const std::vector<Event> events = testing::RunSession(*m, r, /*n_ctx=*/64, /*n_batch=*/16);
  int tokens = 0, maps = 0;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken) {
      ++tokens;
      ASSERT_EQ(e.attention.size(), size_t(m->config().n_head));
      for (const AttentionHead& h : e.attention) {
        EXPECT_EQ(h.layer, 3);
        float sum = 0;
        for (float w : h.weights) sum += w;
        EXPECT_NEAR(sum, 1.0f, 1e-3f);
      }
    }
    if (!e.attention_map.layers.empty()) {
      ++maps;
      EXPECT_EQ(e.attention_map.layers, std::vector<int>{3});
    }
  }
  EXPECT_EQ(tokens, 3);
  EXPECT_EQ(maps, 1);
}

}  // namespace
}  // namespace inferno
