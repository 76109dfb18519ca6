// gpt-oss's hyper-parameters and tensor declaration on a small in-memory GGUF: which layers
// slide, YaRN, and the tensors bound where the layer reads them. The numerics are proven
// against llama.cpp by the zoo parity tests (gpt-oss-tiny-F16; see tools/zoo/gpt-oss.sh for the
// quantized forms).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/model_config.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

constexpr int kEmbd = 64, kHeads = 2, kHeadsKv = 1, kHeadDim = 32, kExperts = 4, kFfExp = 32;

class GptOss : public ::testing::Test {
 protected:
  gguf::Writer w;
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;
  int n_layer = 4;

  void Keys(bool window = true) {
    const std::string a = "gpt-oss.";
    w.AddString("general.architecture", "gpt-oss");
    w.AddU32(a + "embedding_length", kEmbd);
    w.AddU32(a + "block_count", n_layer);
    w.AddU32(a + "attention.head_count", kHeads);
    w.AddU32(a + "attention.head_count_kv", kHeadsKv);
    w.AddU32(a + "attention.key_length", kHeadDim);
    w.AddU32(a + "attention.value_length", kHeadDim);
    w.AddU32(a + "context_length", 131072);
    w.AddU32(a + "expert_count", kExperts);
    w.AddU32(a + "expert_used_count", 2);
    w.AddU32(a + "expert_feed_forward_length", kFfExp);
    if (window) w.AddU32(a + "attention.sliding_window", 128);
    w.AddString(a + "rope.scaling.type", "yarn");
    w.AddF32(a + "rope.scaling.factor", 32.0f);
    w.AddU32(a + "rope.scaling.original_context_length", 4096);
  }
  void Tensor(const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    w.AddTensor(name, DType::kF32, std::move(shape), std::vector<uint8_t>(size_t(n) * 4));
  }
  // Every tensor of the family but `skip`.
  void Tensors(const std::string& skip = "") {
    auto add = [&](const std::string& name, std::vector<int64_t> shape) {
      if (name != skip) Tensor(name, std::move(shape));
    };
    add("token_embd.weight", {kEmbd, 8});
    add("output_norm.weight", {kEmbd});
    add("output.weight", {kEmbd, 8});
    const int64_t q = kHeads * kHeadDim, kv = kHeadsKv * kHeadDim;
    for (int l = 0; l < n_layer; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      add(p + "attn_norm.weight", {kEmbd});
      add(p + "post_attention_norm.weight", {kEmbd});
      add(p + "attn_q.weight", {kEmbd, q});
      add(p + "attn_k.weight", {kEmbd, kv});
      add(p + "attn_v.weight", {kEmbd, kv});
      add(p + "attn_output.weight", {q, kEmbd});
      add(p + "attn_q.bias", {q});
      add(p + "attn_k.bias", {kv});
      add(p + "attn_v.bias", {kv});
      add(p + "attn_output.bias", {kEmbd});
      add(p + "attn_sinks.weight", {kHeads});
      add(p + "ffn_gate_inp.weight", {kEmbd, kExperts});
      add(p + "ffn_gate_inp.bias", {kExperts});
      add(p + "ffn_gate_exps.weight", {kEmbd, kFfExp, kExperts});
      add(p + "ffn_up_exps.weight", {kEmbd, kFfExp, kExperts});
      add(p + "ffn_down_exps.weight", {kFfExp, kEmbd, kExperts});
      add(p + "ffn_gate_exps.bias", {kFfExp, kExperts});
      add(p + "ffn_up_exps.bias", {kFfExp, kExperts});
      add(p + "ffn_down_exps.bias", {kEmbd, kExperts});
    }
  }
  Result<ModelConfig> Read() {
    image = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("m.gguf", image);
    EXPECT_TRUE(f.ok()) << f.status().message();
    file = std::move(*f);
    return ReadModelConfig(*file);
  }
};

TEST_F(GptOss, EvenLayersSlideAndRopeIsYarn) {
  Keys();
  Tensors();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sliding_window, 128);
  EXPECT_EQ(c->layer_is_sliding, (std::vector<bool>{true, false, true, false}));
  EXPECT_TRUE(c->rope_neox);
  EXPECT_EQ(c->rope.type, RopeScalingType::kYarn);
  EXPECT_EQ(c->rope.n_ctx_orig, 4096);
  EXPECT_EQ(c->n_ff_exp, kFfExp);
}

TEST_F(GptOss, PatternFromTheFile) {
  n_layer = 6;
  Keys();
  w.AddU32("gpt-oss.attention.sliding_window_pattern", 3);
  Tensors();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->layer_is_sliding, (std::vector<bool>{true, true, false, true, true, false}));
}

TEST_F(GptOss, WindowIsRequired) {
  Keys(/*window=*/false);
  Tensors();
  Result<ModelConfig> c = Read();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("attention.sliding_window"), std::string::npos);
}

TEST_F(GptOss, TensorsBindWhereTheLayerReadsThem) {
  Keys();
  Tensors();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  Weights weights;
  ASSERT_TRUE(DeclareTensors(*file, *c, weights).ok());
  const LayerWeights& L = weights.layers[3];
  // post_attention_norm is the norm before the feed-forward.
  EXPECT_EQ(L.ffn_norm.size(), size_t(kEmbd));
  EXPECT_TRUE(L.post_attn_norm.empty());
  EXPECT_EQ(L.attn_sinks.size(), size_t(kHeads));
  EXPECT_EQ(L.bo.size(), size_t(kEmbd));
  EXPECT_EQ(L.moe.gate.n_expert(), kExperts);
  EXPECT_EQ(L.moe.down_bias.size(), size_t(kEmbd * kExperts));
  EXPECT_EQ(L.moe.router_bias.size(), size_t(kExperts));
}

TEST_F(GptOss, SinksAndBiasesAreRequired) {
  for (const char* name : {"blk.1.attn_sinks.weight", "blk.0.attn_output.bias",
                           "blk.2.ffn_up_exps.bias", "blk.3.attn_q.bias"}) {
    w = gguf::Writer();
    Keys();
    Tensors(name);
    Result<ModelConfig> c = Read();
    ASSERT_TRUE(c.ok()) << c.status().message();
    const Status s = ValidateModelTensors(*file, *c);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace inferno
