// Qwen3.5's hyper-parameters on small in-memory files: the layer kinds from the full-attention
// interval, the Gated DeltaNet sizes, and the keys it does not implement refused by name.
// Its numerics are checked against llama.cpp by tests/parity_test.cc on the zoo's qwen35.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/model_config.h"

namespace inferno {
namespace {

class Qwen35Config : public ::testing::Test {
 protected:
  gguf::Writer w;
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;

  // The keys hybrid_fixturegen writes, but those in `skip`.
  void Keys(const std::set<std::string>& skip = {}) {
    const std::string a = "qwen35.";
    auto u32 = [&](const std::string& k, uint32_t v) {
      if (!skip.contains(k)) w.AddU32(a + k, v);
    };
    w.AddString("general.architecture", "qwen35");
    u32("embedding_length", 32);
    u32("block_count", 8);
    u32("feed_forward_length", 64);
    u32("attention.head_count", 2);
    u32("attention.head_count_kv", 1);
    u32("attention.key_length", 16);
    u32("attention.value_length", 16);
    u32("rope.dimension_count", 8);
    u32("ssm.conv_kernel", 4);
    u32("ssm.state_size", 8);
    u32("ssm.group_count", 2);
    u32("ssm.time_step_rank", 4);
    u32("ssm.inner_size", 32);
    if (!skip.contains("rope.dimension_sections")) {
      w.AddI32Array(a + "rope.dimension_sections", {2, 1, 1, 0});
    }
    w.AddTensor("token_embd.weight", DType::kF32, {32, 8}, std::vector<uint8_t>(32 * 8 * 4));
  }
  Result<ModelConfig> Read() {
    image = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("q.gguf", image);
    EXPECT_TRUE(f.ok()) << f.status().message();
    file = std::move(*f);
    return ReadModelConfig(*file);
  }
  // The error of reading, or "" when it reads.
  std::string Error() {
    Result<ModelConfig> c = Read();
    return c.ok() ? "" : c.status().message();
  }
};

TEST_F(Qwen35Config, EveryFourthLayerAttendsByDefault) {
  Keys();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::vector<bool> want = {true, true, true, false, true, true, true, false};
  EXPECT_EQ(c->layer_is_recurrent, want);
  EXPECT_EQ(c->delta_net.conv_kernel, 4);
  EXPECT_EQ(c->delta_net.head_dim, 8);
  EXPECT_EQ(c->delta_net.conv_dim(), 2 * 2 * 8 + 4 * 8);
  EXPECT_EQ(c->delta_net.ssm_state_floats(), 4 * 8 * 8);
  EXPECT_TRUE(c->rope_neox);
  EXPECT_EQ(c->rope_dim, 8);
}

TEST_F(Qwen35Config, IntervalFromTheFile) {
  Keys();
  w.AddU32("qwen35.full_attention_interval", 2);
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::vector<bool> want = {true, false, true, false, true, false, true, false};
  EXPECT_EQ(c->layer_is_recurrent, want);
}

TEST_F(Qwen35Config, MultiTokenPredictionIsRefusedByName) {
  Keys();
  w.AddU32("qwen35.nextn_predict_layers", 1);
  EXPECT_NE(Error().find("'qwen35.nextn_predict_layers' = 1"), std::string::npos) << Error();
}

TEST_F(Qwen35Config, ExplicitRecurrentLayerListIsRefusedByName) {
  Keys();
  w.AddI32Array("qwen35.attention.recurrent_layers", {1, 1, 1, 0, 1, 1, 1, 0});
  EXPECT_NE(Error().find("'qwen35.attention.recurrent_layers' is not implemented"),
            std::string::npos)
      << Error();
}

TEST_F(Qwen35Config, InnerSizeMustMatchTheHeads) {
  Keys({"ssm.inner_size"});
  w.AddU32("qwen35.ssm.inner_size", 40);
  EXPECT_NE(Error().find("'qwen35.ssm.inner_size' 40 must be"), std::string::npos) << Error();
}

TEST_F(Qwen35Config, SectionsMustCoverTheRotatedPairs) {
  Keys({"rope.dimension_sections"});
  // 4 rotated pairs; sections 1, 1, 1, 1: sector 3 is the fourth (vision-only) section's.
  w.AddI32Array("qwen35.rope.dimension_sections", {1, 1, 1, 1});
  EXPECT_NE(Error().find("leaves rotated pair 3 to the extra (vision) section"), std::string::npos)
      << Error();
}

TEST_F(Qwen35Config, SectionsAreRequired) {
  Keys({"rope.dimension_sections"});
  EXPECT_NE(Error().find("rope.dimension_sections"), std::string::npos) << Error();
}

TEST_F(Qwen35Config, LayerKindsName) {
  Keys();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(LayerKind(*c, 0), "linear attention (Gated DeltaNet)");
  EXPECT_EQ(LayerKind(*c, 3), "attention");
}

}  // namespace
}  // namespace inferno
