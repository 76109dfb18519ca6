// How each family reads its RoPE (engine/model/rope_config.h) and Mistral 3's attention
// temperature, on small in-memory GGUFs that hold the metadata and token_embd only (all
// ReadModelConfig reads); the numerics are proven against llama.cpp by the zoo parity tests.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/forward.h"
#include "engine/model/model_config.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

std::vector<uint8_t> F32Bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

class RopeFamilies : public ::testing::Test {
 protected:
  gguf::Writer w;
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;
  std::string arch;

  // n_embd 64 in 2 heads of 32 (16 RoPE pairs), context 4096.
  void Start(const std::string& a) {
    arch = a;
    w.AddString("general.architecture", a);
    w.AddU32(a + ".embedding_length", 64);
    w.AddU32(a + ".block_count", 1);
    w.AddU32(a + ".feed_forward_length", 128);
    w.AddU32(a + ".attention.head_count", 2);
    w.AddU32(a + ".context_length", 4096);
    w.AddTensor("token_embd.weight", DType::kF32, {64, 4}, F32Bytes(std::vector<float>(256)));
  }
  void AddFactors(const char* name, float value) {
    w.AddTensor(name, DType::kF32, {16}, F32Bytes(std::vector<float>(16, value)));
  }
  Result<ModelConfig> Read() {
    image = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("m.gguf", image);
    EXPECT_TRUE(f.ok()) << f.status().message();
    file = std::move(*f);
    return ReadModelConfig(*file);
  }
  void ExpectRefused(const std::string& what) {
    Result<ModelConfig> c = Read();
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.status().message().find(what), std::string::npos) << c.status().message();
  }
};

TEST_F(RopeFamilies, LlamaYarn) {
  Start("llama");
  w.AddString("llama.rope.scaling.type", "yarn");
  w.AddF32("llama.rope.scaling.factor", 4.0f);
  w.AddU32("llama.rope.scaling.original_context_length", 512);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.type, RopeScalingType::kYarn);
  EXPECT_EQ(c->rope.ext_factor, 1.0f);
  EXPECT_EQ(c->rope.freq_scale, 0.25f);
  EXPECT_EQ(c->rope.n_ctx_orig, 512);
  EXPECT_EQ(c->attn_temp_scale, 0.0f);
}

TEST_F(RopeFamilies, Llama3FactorsAreBound) {
  Start("llama");
  AddFactors("rope_freqs.weight", 2.0f);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.factors, RopeFactorTensors::kFreqs);
  Weights weights;
  TensorBinder b(*file);
  DeclareRopeFactors(b, *c, weights);
  ASSERT_TRUE(b.status().ok()) << b.status().message();
  ASSERT_EQ(weights.rope_freqs.size(), 16u);
  EXPECT_EQ(RopeFactorsFor(*c, weights, 4096), weights.rope_freqs.data());
}

// The long factors when the context is longer than the original one, as llama.cpp's n_ctx_seq.
TEST_F(RopeFamilies, Phi3LongRopePicksFactorsByContext) {
  Start("phi3");
  w.AddU32("phi3.rope.scaling.original_context_length", 512);
  w.AddF32("phi3.rope.scaling.attn_factor", 1.15f);
  AddFactors("rope_factors_long.weight", 3.0f);
  AddFactors("rope_factors_short.weight", 1.0f);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.factors, RopeFactorTensors::kLongShort);
  EXPECT_EQ(c->rope.attn_factor, 1.15f);
  Weights weights;
  TensorBinder b(*file);
  DeclareRopeFactors(b, *c, weights);
  ASSERT_TRUE(b.status().ok()) << b.status().message();
  EXPECT_EQ(RopeFactorsFor(*c, weights, 1024), weights.rope_long.data());
  EXPECT_EQ(RopeFactorsFor(*c, weights, 512), weights.rope_short.data());
  EXPECT_EQ(weights.rope_long[0], 3.0f);
}

TEST_F(RopeFamilies, Phi3WithOneLongRopeTensorIsRefused) {
  Start("phi3");
  AddFactors("rope_factors_long.weight", 3.0f);
  ExpectRefused("'rope_factors_short.weight' is missing");
}

TEST_F(RopeFamilies, Qwen2RefusesLlama3Factors) {
  Start("qwen2");
  AddFactors("rope_freqs.weight", 2.0f);
  ExpectRefused("rope_freqs.weight");
}

TEST_F(RopeFamilies, Gemma3ReadsSlidingBase) {
  Start("gemma3");
  w.AddF32("gemma3.rope.freq_base_swa", 20000.0f);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.freq_base_swa, 20000.0f);
}

TEST_F(RopeFamilies, Mistral3YarnAndTemperature) {
  Start("mistral3");
  w.AddString("mistral3.rope.scaling.type", "yarn");
  w.AddF32("mistral3.rope.scaling.factor", 16.0f);
  w.AddU32("mistral3.rope.scaling.original_context_length", 128);
  w.AddF32("mistral3.rope.scaling.yarn_beta_fast", 16.0f);
  w.AddF32("mistral3.rope.scaling.yarn_log_multiplier", 1.0f);
  w.AddF32("mistral3.attention.temperature_scale", 0.1f);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->rope_neox);
  EXPECT_EQ(c->rope.beta_fast, 16.0f);
  EXPECT_EQ(c->attn_temp_scale, 0.1f);
  EXPECT_EQ(c->attn_temp_floor, 128);
}

TEST_F(RopeFamilies, Mistral3NeedsRopeOverWholeHeads) {
  Start("mistral3");
  w.AddU32("mistral3.rope.dimension_count", 16);
  ExpectRefused("mistral3.rope.dimension_count");
}

// Only the families that implement the temperature accept it.
TEST_F(RopeFamilies, LlamaRefusesAttentionTemperature) {
  Start("llama");
  w.AddF32("llama.attention.temperature_scale", 0.1f);
  ExpectRefused("llama.attention.temperature_scale");
}

}  // namespace
}  // namespace inferno
