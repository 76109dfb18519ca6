#include "engine/request/prepare.h"

#include <gtest/gtest.h>

namespace inferno::request {
namespace {

class PrepareTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value().release();
  }
  static void TearDownTestSuite() { delete model_; }
  static Model* model_;
};
Model* PrepareTest::model_ = nullptr;

TEST_F(PrepareTest, TokenizesIntoTheRequest) {
  GenerateRequest req;
  req.prompt = "Once upon a time";
  ASSERT_FALSE(Prepare(*model_, req, 64));
  GenerateRequest plain;
  plain.prompt = req.prompt;
  Result<std::vector<int32_t>> direct = PromptTokens(*model_, plain);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(req.prompt_tokens, *direct);
}

TEST_F(PrepareTest, PromptThatLeavesNoRoomIsPromptTooLong) {
  GenerateRequest req;
  req.messages = {{"user", "word word word word word word word word word word word word"}};
  std::optional<RequestError> err = Prepare(*model_, req, 8);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, ErrorCode::kPromptTooLong);
  EXPECT_EQ(err->field, "messages");
  EXPECT_NE(err->message.find("but the model's context holds 8 (including at least one generated "
                              "token); shorten it"),
            std::string::npos)
      << err->message;
  EXPECT_EQ(err->ToStatus().code(), Status::Code::kOutOfRange);
  // Exactly one token of room is enough.
  GenerateRequest fits;
  fits.prompt_tokens = {1, 2, 3};
  EXPECT_FALSE(Prepare(*model_, fits, 4));
  EXPECT_TRUE(Prepare(*model_, fits, 3));
}

TEST_F(PrepareTest, EmptyPromptAndBadTokenIds) {
  GenerateRequest empty;
  std::optional<RequestError> err = Prepare(*model_, empty, 64);
  // The tokenizer may add BOS; an empty prompt is refused only when nothing is left.
  if (err) {
    EXPECT_EQ(err->code, ErrorCode::kEmptyPrompt);
  }
  GenerateRequest bad;
  bad.prompt_tokens = {1, model_->config().n_vocab};
  err = Prepare(*model_, bad, 64);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, ErrorCode::kTokenOutOfRange);
  EXPECT_EQ(err->field, "prompt_tokens");
}

TEST_F(PrepareTest, ImpossibleProbes) {
  GenerateRequest req;
  req.prompt = "Hello";
  req.probes.attention = true;
  req.probes.attention_layers = {model_->config().n_layer};
  std::optional<RequestError> err = Prepare(*model_, req, 64);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, ErrorCode::kProbeNotPossible);
  EXPECT_EQ(err->field, "probes");
  EXPECT_TRUE(req.prompt_tokens.empty());  // untouched on failure
}

}  // namespace
}  // namespace inferno::request
