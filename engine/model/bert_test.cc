// BERT's hyper-parameters and tensor declaration on small in-memory files: bidirectional unless
// the file says otherwise, embedding-only, the keys and tensors it does not implement refused by
// name. Its numerics and WordPiece are checked against llama.cpp by tests/bert_parity_test.cc on
// the zoo's bert models.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/model_config.h"

namespace inferno {
namespace {

class BertConfig : public ::testing::Test {
 protected:
  gguf::Writer w;
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;

  // The keys and tensors hybrid_fixturegen writes (D = 8, one layer), but those in `skip`.
  void Keys(const std::set<std::string>& skip = {}) {
    auto u32 = [&](const std::string& k, uint32_t v) {
      if (!skip.contains(k)) w.AddU32(k, v);
    };
    w.AddString("general.architecture", "bert");
    u32("bert.context_length", 16);
    u32("bert.embedding_length", 8);
    u32("bert.block_count", 1);
    u32("bert.feed_forward_length", 32);
    u32("bert.attention.head_count", 2);
    u32("tokenizer.ggml.token_type_count", 2);
    if (!skip.contains("bert.attention.layer_norm_epsilon")) {
      w.AddF32("bert.attention.layer_norm_epsilon", 1e-12f);
    }
    if (!skip.contains("bert.attention.causal")) w.AddBool("bert.attention.causal", false);
    Tensor("token_embd.weight", {8, 10});
    Tensor("token_types.weight", {8, 2});
    Tensor("position_embd.weight", {8, 16});
    for (const char* v : {"token_embd_norm.weight", "token_embd_norm.bias"}) Tensor(v, {8});
    for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
      Tensor(std::string("blk.0.") + m + ".weight", {8, 8});
      Tensor(std::string("blk.0.") + m + ".bias", {8});
    }
    for (const char* n : {"attn_output_norm", "layer_output_norm"}) {
      Tensor(std::string("blk.0.") + n + ".weight", {8});
      Tensor(std::string("blk.0.") + n + ".bias", {8});
    }
    Tensor("blk.0.ffn_up.weight", {8, 32});
    Tensor("blk.0.ffn_down.weight", {32, 8});
  }
  void Tensor(const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    w.AddTensor(name, DType::kF32, shape, std::vector<uint8_t>(size_t(n) * 4));
  }
  Result<ModelConfig> Read() {
    image = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("b.gguf", image);
    EXPECT_TRUE(f.ok()) << f.status().message();
    file = std::move(*f);
    return ReadModelConfig(*file);
  }
  // The verdict of inspect on the file: "" when it is valid.
  std::string Error() {
    Result<ModelConfig> c = Read();
    if (!c.ok()) return c.status().message();
    Status st = ValidateModelTensors(*file, *c);
    return st.ok() ? "" : st.message();
  }
};

TEST_F(BertConfig, EncoderWithoutHead) {
  Keys();
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->has_lm_head);
  EXPECT_FALSE(c->causal_attention);
  EXPECT_EQ(c->n_token_types, 2);
  EXPECT_EQ(c->n_ctx_train, 16);
  EXPECT_FLOAT_EQ(c->norm_eps, 1e-12f);
  EXPECT_EQ(Error(), "");
}

TEST_F(BertConfig, CausalWhenTheFileDoesNotSayAsLlamaCpp) {
  Keys({"bert.attention.causal"});
  Result<ModelConfig> c = Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->causal_attention);
}

TEST_F(BertConfig, RequiredKeys) {
  Keys({"tokenizer.ggml.token_type_count"});
  EXPECT_NE(Error().find("tokenizer.ggml.token_type_count"), std::string::npos) << Error();
}

TEST_F(BertConfig, LayerNormEpsilonIsRequired) {
  Keys({"bert.attention.layer_norm_epsilon"});
  EXPECT_NE(Error().find("bert.attention.layer_norm_epsilon"), std::string::npos) << Error();
}

TEST_F(BertConfig, RerankerHeadIsRefusedByName) {
  Keys();
  Tensor("cls.weight", {8, 8});
  EXPECT_NE(Error().find("cls.weight"), std::string::npos) << Error();
}

TEST_F(BertConfig, FusedQkvIsRefusedByName) {
  Keys();
  Tensor("blk.0.attn_qkv.weight", {8, 24});
  EXPECT_NE(Error().find("attn_qkv"), std::string::npos) << Error();
}

TEST_F(BertConfig, WrongPositionTableShapeIsNamed) {
  Keys({"bert.context_length"});
  w.AddU32("bert.context_length", 32);  // position_embd has 16 rows
  EXPECT_NE(Error().find("position_embd.weight"), std::string::npos) << Error();
}

}  // namespace
}  // namespace inferno
