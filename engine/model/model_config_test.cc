#include "engine/model/model_config.h"

#include <gtest/gtest.h>

#include <string>

namespace inferno {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(INFERNO_SHARED_DIR) + "/fixtures/models/" + name;
}

ModelConfig Load(const std::string& name) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(Fixture(name));
  EXPECT_TRUE(f.ok()) << f.status().message();
  Result<ModelConfig> c = ReadModelConfig(**f);
  EXPECT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(ValidateModelTensors(**f, *c).ok());
  return *c;
}

TEST(ModelConfig, LlamaTiny) {
  const ModelConfig c = Load("llama-tiny-Q8_0.gguf");
  EXPECT_EQ(c.arch_name, "llama");
  EXPECT_EQ(c.n_embd, 256);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.n_ff, 512);
  EXPECT_EQ(c.n_vocab, 32000);
  EXPECT_EQ(c.n_ctx_train, 2048);
  EXPECT_TRUE(c.tied_output);
  EXPECT_FALSE(c.rope_neox);
}

TEST(ModelConfig, Gemma3SlidingPattern) {
  const ModelConfig c = Load("gemma3-tiny-Q8_0.gguf");
  EXPECT_EQ(c.arch_name, "gemma3");
  EXPECT_EQ(c.n_layer, 6);
  EXPECT_EQ(c.sliding_window, 32);
  const std::vector<bool> want = {true, true, true, true, true, false};
  EXPECT_EQ(c.layer_is_sliding, want);
  EXPECT_TRUE(c.rope_neox);
  EXPECT_FLOAT_EQ(c.rope.freq_base, 1000000.0f);
}

TEST(ModelConfig, Qwen2AndPhi3) {
  const ModelConfig q = Load("qwen2-tiny-Q8_0.gguf");
  EXPECT_EQ(q.arch_name, "qwen2");
  EXPECT_EQ(q.n_vocab, 50257);
  EXPECT_TRUE(q.rope_neox);
  const ModelConfig p = Load("phi3-tiny-Q8_0.gguf");
  EXPECT_EQ(p.arch_name, "phi3");
  EXPECT_TRUE(p.rope_neox);
}

TEST(ModelConfig, SupportedListNamesAllFamilies) {
  EXPECT_EQ(SupportedArchitectures(),
            "llama, qwen2, qwen2vl, qwen3, qwen3moe, gemma3, phi3, gpt-oss, mistral3, qwen35, "
            "bert");
}

}  // namespace
}  // namespace inferno
