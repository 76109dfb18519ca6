// The IQ4_NL/IQ4_XS and MXFP4_MOE recipes in the cases the llama-tiny comparison
// (quantize_fixture_test.cc) cannot reach: grouped-query attention with 4+ heads per KV head,
// deeper models, rows that super-blocks do not divide, MoE experts and routers.
#include <gtest/gtest.h>

#include "engine/convert/quant_mix.h"

namespace inferno::convert {
namespace {

DType Choose(const char* type, TensorRole role) {
  Result<FileType> ft = ParseFileType(type);
  EXPECT_TRUE(ft.ok());
  return ChooseTensorType(*ft, role);
}

TensorRole Role(const char* name, int64_t cols, int layer, int n_layer, int n_dims = 2) {
  TensorRole r;
  r.name = name;
  r.cols = cols;
  r.n_dims = n_dims;
  r.layer = layer;
  r.n_layer = n_layer;
  return r;
}

TEST(QuantMixIQ4, FileTypes) {
  EXPECT_EQ(ParseFileType("IQ4_NL")->ftype, 25u);
  EXPECT_EQ(ParseFileType("iq4_xs")->ftype, 30u);
  EXPECT_EQ(ParseFileType("MXFP4_MOE")->ftype, 38u);
  EXPECT_EQ(ParseFileType("iq4_xs")->base, DType::kIQ4_XS);
}

TEST(QuantMixIQ4, LlamaCppRecipe) {
  for (const char* type : {"iq4_nl", "iq4_xs"}) {
    SCOPED_TRACE(type);
    const DType base = ParseFileType(type)->base;
    TensorRole v = Role("blk.5.attn_v.weight", 4096, 5, 32);
    EXPECT_EQ(Choose(type, v), base);  // n_gqa 1
    v.n_gqa = 4;
    EXPECT_EQ(Choose(type, v), DType::kQ5_K);
    // ffn_down: Q5_K in the first eighth of the layers only.
    EXPECT_EQ(Choose(type, Role("blk.3.ffn_down.weight", 14336, 3, 32)), DType::kQ5_K);
    EXPECT_EQ(Choose(type, Role("blk.4.ffn_down.weight", 14336, 4, 32)), base);
    TensorRole o = Role("blk.0.attn_output.weight", 4096, 0, 32);
    EXPECT_EQ(Choose(type, o), base);
    o.n_expert = 8;
    EXPECT_EQ(Choose(type, o), DType::kQ5_K);
    EXPECT_EQ(Choose(type, Role("output.weight", 4096, -1, 32)), DType::kQ6_K);
    EXPECT_EQ(Choose(type, Role("token_embd.weight", 4096, -1, 32)), base);
    EXPECT_EQ(Choose(type, Role("blk.0.attn_norm.weight", 4096, 0, 32, 1)), DType::kF32);
  }
  // Rows that 256-element super-blocks do not divide: IQ4_XS falls back to IQ4_NL.
  EXPECT_EQ(Choose("iq4_xs", Role("blk.9.ffn_up.weight", 2048 + 32, 9, 32)), DType::kIQ4_NL);
  EXPECT_EQ(Choose("iq4_nl", Role("blk.9.ffn_up.weight", 2048 + 32, 9, 32)), DType::kIQ4_NL);
}

TEST(QuantMixMXFP4, ExpertsOnly) {
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.ffn_up_exps.weight", 2880, 0, 24, 3)), DType::kMXFP4);
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.ffn_down_exps.weight", 2880, 0, 24, 3)), DType::kMXFP4);
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.attn_q.weight", 2880, 0, 24)), DType::kQ8_0);
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.ffn_up.weight", 2880, 0, 24)), DType::kQ8_0);
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.ffn_gate_inp.weight", 2880, 0, 24)), DType::kF32);
  EXPECT_EQ(Choose("mxfp4_moe", Role("output.weight", 2880, -1, 24)), DType::kQ8_0);
  EXPECT_EQ(Choose("mxfp4_moe", Role("token_embd.weight", 2880, -1, 24)), DType::kQ8_0);
  EXPECT_EQ(Choose("mxfp4_moe", Role("blk.0.ffn_up_exps.bias", 2880, 0, 24, 2)), DType::kF32);
}

}  // namespace
}  // namespace inferno::convert
