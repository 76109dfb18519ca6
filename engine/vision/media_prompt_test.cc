// PlaceImages on a real vocabulary (the SPM fixture): where the placeholder ids go, the
// Gemma 3 wrapping, and marker/image mismatches. The token ids around the image are checked
// against mtmd_tokenize's in tests/vision_run_test.cc.
#include "engine/vision/media_prompt.h"

#include <gtest/gtest.h>

#include "engine/gguf/gguf_file.h"

namespace inferno::vision {
namespace {

std::unique_ptr<Tokenizer> Spm() {
  auto f = gguf::File::Open(std::string(INFERNO_SHARED_DIR) +
                            "/fixtures/tokenizer/vocab-llama-spm.gguf");
  EXPECT_TRUE(f.ok()) << f.status().message();
  auto t = Tokenizer::FromGguf(**f);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return std::move(*t);
}

VisionConfig Config(Projector p) {
  VisionConfig c;
  c.projector = p;
  c.image_size = 16;
  c.patch_size = 8;  // 4 patches
  c.n_merge = 1;
  c.n_embd_out = 2;
  return c;
}

std::vector<MediaSpan> Images(int n) {
  MediaSpan span;
  span.embeddings.assign(4 * 2, 0.5f);
  return std::vector<MediaSpan>(n, span);
}

TEST(MediaPrompt, TheTokenGridIsThePatchGridPooledForGemma) {
  VisionConfig c = Config(Projector::kGemma3);
  c.image_size = 64;
  c.patch_size = 8;
  c.n_merge = 2;  // the zoo's gemma3-tiny: 8x8 patches pooled to 4x4
  EXPECT_EQ(c.token_grid(), std::make_pair(4, 4));
  EXPECT_EQ(c.tokens_per_image(), 16);
  c.projector = Projector::kMlp;  // LLaVA keeps its 8x8 patches
  EXPECT_EQ(c.token_grid(), std::make_pair(8, 8));
  c.image_size = 336;
  c.patch_size = 14;  // LLaVA 1.5: 24x24
  EXPECT_EQ(c.token_grid(), std::make_pair(24, 24));
  EXPECT_EQ(c.tokens_per_image(), 576);
}

TEST(MediaPrompt, ImageGoesAtTheMarkerBetweenSeparatelyTokenizedText) {
  std::unique_ptr<Tokenizer> tok = Spm();
  GenerateRequest req;
  ASSERT_TRUE(
      PlaceImages(*tok, Config(Projector::kMlp), "Look: <__media__> what?", Images(1), &req).ok());
  std::vector<int32_t> want = {tok->bos()};
  for (int32_t id : tok->Encode("Look: ", false, true)) want.push_back(id);
  const int first = int(want.size());
  want.insert(want.end(), 4, 0);
  for (int32_t id : tok->Encode(" what?", false, true)) want.push_back(id);
  EXPECT_EQ(req.prompt_tokens, want);
  ASSERT_EQ(req.media.size(), 1u);
  EXPECT_EQ(req.media[0].first, first);
  EXPECT_EQ(req.media[0].n_tokens, 4);
  EXPECT_EQ(req.media[0].grid_rows, 2);  // 16 px in 8 px patches: 2x2
  EXPECT_EQ(req.media[0].grid_cols, 2);
  EXPECT_EQ(req.media[0].embeddings.size(), 8u);
  EXPECT_FALSE(req.media[0].bidirectional);
}

TEST(MediaPrompt, WithoutAMarkerTheImageComesFirstAndGemmaWrapsIt) {
  std::unique_ptr<Tokenizer> tok = Spm();
  GenerateRequest req;
  ASSERT_TRUE(PlaceImages(*tok, Config(Projector::kGemma3), "Hi", Images(1), &req).ok());
  std::vector<int32_t> want = {tok->bos()};
  for (int32_t id : tok->Encode("<start_of_image>", false, true)) want.push_back(id);
  ASSERT_EQ(req.media.size(), 1u);
  EXPECT_EQ(req.media[0].first, int(want.size()));
  EXPECT_TRUE(req.media[0].bidirectional);
  want.insert(want.end(), 4, 0);
  for (int32_t id : tok->Encode("<end_of_image>", false, true)) want.push_back(id);
  for (int32_t id : tok->Encode("Hi", false, true)) want.push_back(id);
  EXPECT_EQ(req.prompt_tokens, want);
}

TEST(MediaPrompt, MarkersMustPairWithImages) {
  std::unique_ptr<Tokenizer> tok = Spm();
  GenerateRequest req;
  Status st = PlaceImages(*tok, Config(Projector::kMlp), "<__media__><__media__>", Images(1), &req);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("2 image markers"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace inferno::vision
