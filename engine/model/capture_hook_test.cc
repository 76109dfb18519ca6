#include "engine/model/capture_hook.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/probes.h"

namespace inferno {
namespace {

// Records what the forward pass offered, and wants l_out everywhere (when asked to) and
// attn_weights only in the chosen layers.
class RecordingHook final : public CaptureHook {
 public:
  RecordingHook(bool layer_out, std::vector<int> attention_layers, int n_head)
      : layer_out_(layer_out), attention_layers_(std::move(attention_layers)), n_head_(n_head) {}

  bool Wants(CaptureName name, int layer) const override {
    if (name == CaptureName::kLayerOut) return layer_out_;
    for (int l : attention_layers_) {
      if (l == layer) return true;
    }
    return false;
  }
  void Tensor(CaptureName name, int layer, std::span<const float> view) override {
    offered.push_back(std::string(ToString(name)) + " " + std::to_string(layer));
    last_tensor.assign(view.begin(), view.end());
  }
  blocks::AttentionCaptureRow AttentionRows(int layer, int position) override {
    offered.push_back("attn_weights " + std::to_string(layer) + " @" + std::to_string(position));
    weights.assign(size_t(n_head_) * (position + 1), 0.0f);
    return {weights.data(), nullptr, position + 1};
  }

  std::vector<std::string> offered;  // "name layer" per call, in order
  std::vector<float> last_tensor;    // the last Tensor() view
  std::vector<float> weights;        // the last attention rows, [n_head][position + 1]

 private:
  bool layer_out_;
  std::vector<int> attention_layers_;
  int n_head_;
};

class CaptureHookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value().release();
  }
  static void TearDownTestSuite() { delete model_; }

  // Evaluates `tokens` from position 0 in a fresh cache; returns the last token's logits.
  std::vector<float> Run(std::span<const int32_t> tokens, std::span<CaptureHook* const> hooks) {
    const ModelConfig& c = model_->config();
    ThreadPool pool(2);
    KvCache cache(c, 64);
    ForwardState state(c, int(tokens.size()));
    std::vector<int32_t> positions(tokens.size());
    for (size_t i = 0; i < positions.size(); ++i) positions[i] = int32_t(i);
    std::vector<float> logits(c.n_vocab);
    Forward(*model_, pool, cache, tokens, positions, state, logits.data(), false, hooks);
    return logits;
  }

  static Model* model_;
};
Model* CaptureHookTest::model_ = nullptr;

const std::vector<int32_t> kTokens = {1, 72, 101, 108};

TEST(CaptureName, Names) {
  EXPECT_EQ(ToString(CaptureName::kAttnWeights), "attn_weights");
  EXPECT_EQ(ToString(CaptureName::kLayerOut), "l_out");
}

// Every layer's l_out once per probed token, in layer order, attention only in the wanted
// layer, nothing for a token without a hook; and the logits are those of a pass without hooks.
TEST_F(CaptureHookTest, OffersEveryLayerOutAndOnlyWantedAttention) {
  const ModelConfig& c = model_->config();
  ASSERT_GE(c.n_layer, 2);
  RecordingHook first(/*layer_out=*/true, {1}, c.n_head);
  RecordingHook last(/*layer_out=*/true, {1}, c.n_head);
  const std::vector<CaptureHook*> hooks = {&first, nullptr, nullptr, &last};
  const std::vector<float> probed = Run(kTokens, hooks);

  for (const auto& [hook, position] : {std::pair{&first, 0}, std::pair{&last, 3}}) {
    std::vector<std::string> want;
    for (int l = 0; l < c.n_layer; ++l) {
      if (l == 1) want.push_back("attn_weights 1 @" + std::to_string(position));
      want.push_back("l_out " + std::to_string(l));
    }
    EXPECT_EQ(hook->offered, want) << "position " << position;
    ASSERT_EQ(hook->last_tensor.size(), size_t(c.n_embd));
    ASSERT_EQ(hook->weights.size(), size_t(c.n_head) * (position + 1));
    for (int h = 0; h < c.n_head; ++h) {
      double sum = 0;
      for (int p = 0; p <= position; ++p) sum += hook->weights[size_t(h) * (position + 1) + p];
      EXPECT_NEAR(sum, 1.0, 1e-3) << "position " << position << " head " << h;
    }
  }

  // Probing changes nothing in the numbers.
  EXPECT_EQ(probed, Run(kTokens, {}));
  // The last layer's l_out is the hidden state the logits come from.
  ThreadPool pool(2);
  ForwardState state(c, 1);
  std::vector<float> lens(c.n_vocab);
  ProjectToVocab(*model_, pool, last.last_tensor.data(), 1, state, lens.data());
  EXPECT_EQ(lens, probed);
}

// A hook that wants nothing is asked, and never handed anything.
TEST_F(CaptureHookTest, NothingWantedNothingOffered) {
  const ModelConfig& c = model_->config();
  RecordingHook quiet(/*layer_out=*/false, {}, c.n_head);
  const std::vector<CaptureHook*> hooks(kTokens.size(), &quiet);
  Run(kTokens, hooks);
  EXPECT_TRUE(quiet.offered.empty());
}

// The last prompt token with the prompt map and the per-token probes both on: its attention
// goes to the map, its l_out to the token probe (runtime/probes.h, as Sequence::hook() pairs
// them), and the map's last row then equals what the token probe records by itself.
TEST_F(CaptureHookTest, FirstWantingHookSplitsMapAndTokenProbes) {
  const ModelConfig& c = model_->config();
  ProbeOptions probes;
  probes.attention = true;
  probes.attention_prompt = true;
  probes.logit_lens = true;
  probes.attention_layers = {1};
  const int n = int(kTokens.size());
  TokenProbe token;
  token.Prepare(probes, c);
  PromptMapProbe map;
  map.Prepare(probes, c, n);
  FirstWantingHook last(&map, &token);
  std::vector<CaptureHook*> hooks(n, &map);
  hooks[n - 1] = &last;
  Run(kTokens, hooks);
  EXPECT_EQ(token.residual().size(), size_t(c.n_layer) * c.n_embd);
  EXPECT_TRUE(token.attention(1).empty());  // the map took it

  TokenProbe alone;
  alone.Prepare(probes, c);
  std::vector<CaptureHook*> only_last(n, nullptr);
  only_last[n - 1] = &alone;
  Run(kTokens, only_last);
  token.CopyLastMapRow(map.map());
  EXPECT_EQ(token.attention(1), alone.attention(1));
  EXPECT_EQ(token.residual(), alone.residual());
}

}  // namespace
}  // namespace inferno
