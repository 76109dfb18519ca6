#include "engine/model/rope_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/blocks.h"

namespace inferno {
namespace {

constexpr int kNRot = 16;
constexpr int kCtxTrain = 4096;

const RopeFamilyKeys kLlama{.freqs_or_longrope = true};
const RopeFamilyKeys kPhi3{.long_short = true};
const RopeFamilyKeys kQwen{};
const RopeFamilyKeys kMistral3{
    .freqs_or_longrope = true, .yarn_beta = true, .yarn_log_multiplier = true};

std::vector<uint8_t> F32Bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A metadata-only GGUF of architecture "llama" (the prefix is all ReadRopeScaling looks at),
// plus whatever keys and factor tensors a test adds.
class RopeConfigTest : public ::testing::Test {
 protected:
  gguf::Writer w;
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;

  void AddFactors(const char* name, int n = kNRot / 2, float value = 1.5f) {
    w.AddTensor(name, DType::kF32, {n}, F32Bytes(std::vector<float>(n, value)));
  }

  Result<RopeScaling> Read(const RopeFamilyKeys& keys) {
    w.AddString("general.architecture", "llama");
    image = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("rope.gguf", image);
    EXPECT_TRUE(f.ok()) << f.status().message();
    file = std::move(*f);
    return ReadRopeScaling(*file, "llama", kCtxTrain, kNRot, keys);
  }

  // The read fails and its message names `what` (a key or tensor).
  void ExpectRefused(const RopeFamilyKeys& keys, const std::string& what) {
    Result<RopeScaling> s = Read(keys);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.status().message().find(what), std::string::npos) << s.status().message();
  }
};

TEST_F(RopeConfigTest, NoKeysIsPlainRope) {
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, RopeScalingType::kNone);
  EXPECT_EQ(s->freq_base, 10000.0f);
  EXPECT_EQ(s->freq_scale, 1.0f);
  EXPECT_EQ(s->ext_factor, 0.0f);
  EXPECT_EQ(s->attn_factor, 1.0f);
  EXPECT_EQ(s->n_ctx_orig, kCtxTrain);
  EXPECT_EQ(s->factors, RopeFactorTensors::kNone);
}

TEST_F(RopeConfigTest, LinearFactorDividesPositions) {
  w.AddF32("llama.rope.freq_base", 500000.0f);
  w.AddString("llama.rope.scaling.type", "linear");
  w.AddF32("llama.rope.scaling.factor", 4.0f);
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, RopeScalingType::kLinear);
  EXPECT_EQ(s->freq_base, 500000.0f);
  EXPECT_EQ(s->freq_scale, 0.25f);
  EXPECT_EQ(s->ext_factor, 0.0f);
}

// llama.cpp's default type is "linear", so a factor alone stretches; the old key works too.
TEST_F(RopeConfigTest, FactorWithoutTypeIsLinearAndOldKeyIsRead) {
  w.AddF32("llama.rope.scale_linear", 2.0f);
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, RopeScalingType::kLinear);
  EXPECT_EQ(s->freq_scale, 0.5f);
}

TEST_F(RopeConfigTest, TypeNoneIgnoresFactor) {
  w.AddString("llama.rope.scaling.type", "none");
  w.AddF32("llama.rope.scaling.factor", 8.0f);
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->freq_scale, 1.0f);
}

TEST_F(RopeConfigTest, YarnFoldsMagnitudeAsLlamaCpp) {
  w.AddString("llama.rope.scaling.type", "yarn");
  w.AddF32("llama.rope.scaling.factor", 4.0f);
  w.AddU32("llama.rope.scaling.original_context_length", 512);
  w.AddF32("llama.rope.scaling.yarn_beta_fast", 32.0f);  // the default: accepted for llama
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, RopeScalingType::kYarn);
  EXPECT_EQ(s->freq_scale, 0.25f);
  EXPECT_EQ(s->ext_factor, 1.0f);
  EXPECT_EQ(s->n_ctx_orig, 512);
  EXPECT_EQ(s->beta_fast, 32.0f);
  EXPECT_EQ(s->beta_slow, 1.0f);
  // get_mscale(4, 1) / (1 + 0.1 ln 4): 1; the kernel then multiplies by 1 + 0.1 ln 4.
  EXPECT_NEAR(s->attn_factor, 1.0f, 1e-6);
  const blocks::RopeParams p = s->Params(kNRot, /*neox=*/false, nullptr);
  EXPECT_EQ(p.ext_factor, 1.0f);
  EXPECT_EQ(p.n_ctx_orig, 512);
  EXPECT_EQ(p.attn_factor, s->attn_factor);
}

// Mistral 3: beta and log multiplier honoured; mscale(4,1)/mscale(4,1) = 1, so only the
// kernel's correction is divided out.
TEST_F(RopeConfigTest, Mistral3YarnKeys) {
  w.AddString("llama.rope.scaling.type", "yarn");
  w.AddF32("llama.rope.scaling.factor", 16.0f);
  w.AddU32("llama.rope.scaling.original_context_length", 128);
  w.AddF32("llama.rope.scaling.yarn_beta_fast", 16.0f);
  w.AddF32("llama.rope.scaling.yarn_beta_slow", 2.0f);
  w.AddF32("llama.rope.scaling.yarn_log_multiplier", 1.0f);
  Result<RopeScaling> s = Read(kMistral3);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->beta_fast, 16.0f);
  EXPECT_EQ(s->beta_slow, 2.0f);
  EXPECT_EQ(s->yarn_log_multiplier, 1.0f);
  EXPECT_NEAR(s->attn_factor, 1.0 / (1.0 + 0.1 * std::log(16.0)), 1e-6);
}

TEST_F(RopeConfigTest, ZeroOriginalContextMeansTrainingContext) {
  w.AddU32("llama.rope.scaling.original_context_length", 0);
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->n_ctx_orig, kCtxTrain);
}

TEST_F(RopeConfigTest, UnknownTypeIsRefusedNamingTheKey) {
  w.AddString("llama.rope.scaling.type", "dynamic");
  ExpectRefused(kLlama, "'llama.rope.scaling.type': 'dynamic' is not supported");
}

TEST_F(RopeConfigTest, YarnBetaIsRefusedWhereLlamaCppIgnoresIt) {
  w.AddF32("llama.rope.scaling.yarn_beta_fast", 16.0f);
  ExpectRefused(kLlama, "llama.rope.scaling.yarn_beta_fast");
}

TEST_F(RopeConfigTest, YarnLogMultiplierIsRefusedWhereLlamaCppIgnoresIt) {
  w.AddF32("llama.rope.scaling.yarn_log_multiplier", 0.1f);
  ExpectRefused(kQwen, "llama.rope.scaling.yarn_log_multiplier");
}

TEST_F(RopeConfigTest, YarnExtFactorIsRefused) {
  w.AddF32("llama.rope.scaling.yarn_ext_factor", 0.5f);
  ExpectRefused(kMistral3, "llama.rope.scaling.yarn_ext_factor");
}

TEST_F(RopeConfigTest, AlphaIsRefused) {
  w.AddF32("llama.rope.scaling.alpha", 1000.0f);
  ExpectRefused(kLlama, "llama.rope.scaling.alpha");
}

TEST_F(RopeConfigTest, BadValuesNameTheKey) {
  w.AddF32("llama.rope.scaling.factor", -2.0f);
  ExpectRefused(kLlama, "llama.rope.scaling.factor");
}

TEST_F(RopeConfigTest, WrongValueTypeNamesTheKey) {
  w.AddString("llama.rope.freq_base", "ten thousand");
  ExpectRefused(kLlama, "llama.rope.freq_base");
}

TEST_F(RopeConfigTest, Llama3FreqFactors) {
  AddFactors("rope_freqs.weight");
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->factors, RopeFactorTensors::kFreqs);
}

TEST_F(RopeConfigTest, FreqFactorsOfWrongSizeNameTheTensor) {
  AddFactors("rope_freqs.weight", kNRot);
  ExpectRefused(kLlama, "rope_freqs.weight");
}

TEST_F(RopeConfigTest, FreqFactorsRefusedWhereUnused) {
  AddFactors("rope_freqs.weight");
  ExpectRefused(kQwen, "rope_freqs.weight");
}

TEST_F(RopeConfigTest, Phi3LongRope) {
  w.AddU32("llama.rope.scaling.original_context_length", 512);
  w.AddF32("llama.rope.scaling.attn_factor", 1.19f);
  AddFactors("rope_factors_long.weight");
  AddFactors("rope_factors_short.weight");
  Result<RopeScaling> s = Read(kPhi3);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->factors, RopeFactorTensors::kLongShort);
  EXPECT_EQ(s->ext_factor, 0.0f);
  EXPECT_EQ(s->attn_factor, 1.19f);  // no YaRN: handed to the kernel as stored
  EXPECT_EQ(s->n_ctx_orig, 512);
  EXPECT_TRUE(s->UseLongFactors(1024));
  EXPECT_FALSE(s->UseLongFactors(512));
}

TEST_F(RopeConfigTest, LongRopeWithOneFactorTensorNamesTheOther) {
  AddFactors("rope_factors_long.weight");
  ExpectRefused(kPhi3, "'rope_factors_short.weight' is missing");
}

// A Phi-3 whose context is stretched beyond the original one is a LongRoPE model: its factors
// are required even without a type key (the converter writes none).
TEST_F(RopeConfigTest, StretchedPhi3WithoutFactorsNamesTheTensor) {
  w.AddU32("llama.rope.scaling.original_context_length", 512);
  ExpectRefused(kPhi3, "'rope_factors_long.weight' is missing");
}

TEST_F(RopeConfigTest, Phi3AtItsOriginalContextNeedsNoFactors) {
  w.AddU32("llama.rope.scaling.original_context_length", kCtxTrain);
  Result<RopeScaling> s = Read(kPhi3);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->factors, RopeFactorTensors::kNone);
}

TEST_F(RopeConfigTest, LongRopeTypeWithoutFactorsNamesTheTensor) {
  w.AddString("llama.rope.scaling.type", "longrope");
  ExpectRefused(kPhi3, "'rope_factors_long.weight' is missing");
}

TEST_F(RopeConfigTest, LlamaLongRopeTypeUsesLongShortFactors) {
  w.AddString("llama.rope.scaling.type", "longrope");
  AddFactors("rope_factors_long.weight");
  AddFactors("rope_factors_short.weight");
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, RopeScalingType::kLongRope);
  EXPECT_EQ(s->factors, RopeFactorTensors::kLongShort);
}

TEST_F(RopeConfigTest, LongShortFactorsWithoutLongRopeTypeRefusedForLlama) {
  AddFactors("rope_factors_long.weight");
  AddFactors("rope_factors_short.weight");
  ExpectRefused(kLlama, "rope_factors_long.weight");
}

TEST_F(RopeConfigTest, LongRopeTypeRefusedWhereUnsupported) {
  w.AddString("llama.rope.scaling.type", "longrope");
  ExpectRefused(kQwen, "'llama.rope.scaling.type': 'longrope' is not supported");
}

TEST_F(RopeConfigTest, DescribeYarn) {
  w.AddString("llama.rope.scaling.type", "yarn");
  w.AddF32("llama.rope.scaling.factor", 4.0f);
  w.AddU32("llama.rope.scaling.original_context_length", 1024);
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  // Without a log multiplier the kernel applies YaRN's magnitude itself: no extra factor.
  EXPECT_EQ(s->Describe(), "yarn, factor 4, original context 1024, beta fast 32 / slow 1");
}

TEST_F(RopeConfigTest, DescribeLinearAndLlama3Factors) {
  w.AddString("llama.rope.scaling.type", "linear");
  w.AddF32("llama.rope.scaling.factor", 2.0f);
  AddFactors("rope_freqs.weight");
  Result<RopeScaling> s = Read(kLlama);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->Describe(), "linear, factor 2, per-pair factors (rope_freqs.weight)");
  EXPECT_EQ(RopeScaling{}.Describe(), "none");
}

TEST_F(RopeConfigTest, TypeNames) {
  EXPECT_STREQ(RopeScalingTypeName(RopeScalingType::kNone), "none");
  EXPECT_STREQ(RopeScalingTypeName(RopeScalingType::kYarn), "yarn");
  EXPECT_STREQ(RopeScalingTypeName(RopeScalingType::kLongRope), "longrope");
}

}  // namespace
}  // namespace inferno
