// ReadVisionConfig on small mmproj images written with gguf::Writer the way llama.cpp's
// converter lays them out (keys and tensor shapes from tools/mtmd/clip.cpp), and on broken ones.
#include "engine/vision/mmproj_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "engine/gguf/gguf_writer.h"

namespace inferno::vision {
namespace {

void AddZeros(gguf::Writer& w, const std::string& name, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  w.AddTensor(name, DType::kF32, std::move(shape), std::vector<uint8_t>(size_t(n) * 4));
}

// The keys every vision mmproj has: a 32x32 image in 8x8 patches (a 4x4 grid), width 16.
void AddCommon(gguf::Writer& w, const std::string& projector) {
  w.AddString("general.architecture", "clip");
  w.AddBool("clip.has_vision_encoder", true);
  w.AddString("clip.projector_type", projector);
  w.AddU32("clip.vision.image_size", 32);
  w.AddU32("clip.vision.patch_size", 8);
  w.AddU32("clip.vision.embedding_length", 16);
  w.AddU32("clip.vision.feed_forward_length", 40);
  w.AddU32("clip.vision.block_count", 2);
  w.AddU32("clip.vision.attention.head_count", 4);
  w.AddF32("clip.vision.attention.layer_norm_epsilon", 1e-5f);
  w.AddU32("clip.vision.projection_dim", 24);
  w.AddF32Array("clip.vision.image_mean", {0.5f, 0.25f, 0.125f});
  w.AddF32Array("clip.vision.image_std", {0.5f, 0.5f, 2.0f});
}

using Edit = std::function<void(gguf::Writer&)>;

struct Opened {
  std::vector<uint8_t> bytes;
  std::unique_ptr<gguf::File> file;
};

Opened Open(const Edit& build) {
  gguf::Writer w;
  build(w);
  Opened o{w.Serialize(), nullptr};
  Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("p.gguf", o.bytes);
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (f.ok()) o.file = std::move(*f);
  return o;
}

Edit Gemma3(int merge = 2) {
  return [merge](gguf::Writer& w) {
    AddCommon(w, "gemma3");
    w.AddBool("clip.use_gelu", true);
    w.AddU32("clip.vision.projector.scale_factor", merge);
    AddZeros(w, "mm.input_projection.weight", {24, 16});
    AddZeros(w, "mm.soft_emb_norm.weight", {16});
  };
}

Edit Mlp() {
  return [](gguf::Writer& w) {
    AddCommon(w, "mlp");
    AddZeros(w, "v.class_embd", {16});
    AddZeros(w, "mm.0.weight", {16, 48});
    AddZeros(w, "mm.0.bias", {48});
    AddZeros(w, "mm.2.weight", {48, 24});
    AddZeros(w, "mm.2.bias", {24});
  };
}

// Qwen-VL's patch merger: four patches of width 16 in, 24 out.
void AddQwenMerger(gguf::Writer& w) {
  AddZeros(w, "mm.0.weight", {64, 64});
  AddZeros(w, "mm.0.bias", {64});
  AddZeros(w, "mm.2.weight", {64, 24});
  AddZeros(w, "mm.2.bias", {24});
}

Edit Qwen25Vl() {
  return [](gguf::Writer& w) {
    AddCommon(w, "qwen2.5vl_merger");
    w.AddBool("clip.use_silu", true);
    w.AddU32("clip.vision.n_wa_pattern", 8);
    AddQwenMerger(w);
  };
}

TEST(MmprojConfig, ReadsQwen25Vl) {
  Opened o = Open(Qwen25Vl());
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->projector, Projector::kQwen25Vl);
  EXPECT_TRUE(c->qwen());
  EXPECT_TRUE(c->mrope());
  EXPECT_TRUE(c->rms_norm);
  EXPECT_EQ(c->n_merge, 2);
  EXPECT_EQ(c->n_wa_pattern, 8);
  EXPECT_EQ(c->window_size, 112);
  EXPECT_EQ(c->ffn, FfnActivation::kSilu);
  EXPECT_EQ(c->n_embd_out, 24);
  EXPECT_EQ(c->min_pixels, 8 * 16 * 16);  // 8..4096 tokens of 2x2 patches of 8 px
  EXPECT_EQ(c->max_pixels, 4096 * 16 * 16);
  // Its own size in multiples of 16 px: 100 x 40 -> 96 x 48 -> 6 x 3 tokens.
  const TokenGrid g = TokenGridFor(*c, 100, 40);
  EXPECT_EQ(g.cols, 6);
  EXPECT_EQ(g.rows, 3);
}

TEST(MmprojConfig, ReadsQwen2VlWithoutWindows) {
  Opened o = Open([](gguf::Writer& w) {
    AddCommon(w, "qwen2vl_merger");
    AddQwenMerger(w);
  });
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->projector, Projector::kQwen2Vl);
  EXPECT_FALSE(c->rms_norm);
  EXPECT_EQ(c->n_wa_pattern, 0);
  EXPECT_EQ(c->ffn, FfnActivation::kGeluQuick);
}

TEST(MmprojConfig, ReadsGemma3) {
  Opened o = Open(Gemma3());
  ASSERT_TRUE(IsMmproj(*o.file));
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->projector, Projector::kGemma3);
  EXPECT_EQ(c->image_size, 32);
  EXPECT_EQ(c->patch_size, 8);
  EXPECT_EQ(c->patches_per_side(), 4);
  EXPECT_EQ(c->n_merge, 2);
  EXPECT_EQ(c->tokens_per_image(), 4);  // a 4x4 grid pooled 2x2
  EXPECT_EQ(c->n_embd, 16);
  EXPECT_EQ(c->n_ff, 40);
  EXPECT_EQ(c->n_head, 4);
  EXPECT_EQ(c->n_layer_run, 2);
  EXPECT_EQ(c->n_embd_out, 24);
  EXPECT_FLOAT_EQ(c->eps, 1e-5f);
  EXPECT_FLOAT_EQ(c->image_mean[1], 0.25f);
  EXPECT_FLOAT_EQ(c->image_std[2], 2.0f);
  EXPECT_EQ(c->ffn, FfnActivation::kGelu);
  EXPECT_EQ(c->resize, ResizeFilter::kBilinear);
  EXPECT_EQ(c->pad_color, (std::array<uint8_t, 3>{0, 0, 0}));
}

TEST(MmprojConfig, Gemma3PoolsFourByFourWithoutTheKey) {
  Opened o = Open([](gguf::Writer& w) {
    AddCommon(w, "gemma3");
    AddZeros(w, "mm.input_projection.weight", {24, 16});
    AddZeros(w, "mm.soft_emb_norm.weight", {16});
  });
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->n_merge, 4);
  EXPECT_EQ(c->tokens_per_image(), 1);
  EXPECT_EQ(c->ffn, FfnActivation::kGeluQuick);
}

TEST(MmprojConfig, ReadsLlavaMlp) {
  Opened o = Open(Mlp());
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->projector, Projector::kMlp);
  EXPECT_EQ(c->tokens_per_image(), 16);
  EXPECT_EQ(c->n_layer_run, 1);  // the second-to-last layer's features
  EXPECT_TRUE(c->has_class_embd);
  EXPECT_EQ(c->n_embd_out, 24);
  EXPECT_EQ(c->ffn, FfnActivation::kGeluQuick);
  EXPECT_EQ(c->resize, ResizeFilter::kBicubic);
  EXPECT_EQ(c->pad_color, (std::array<uint8_t, 3>{122, 116, 104}));
}

void ExpectError(const Edit& build, Status::Code code, const std::string& needle) {
  Opened o = Open(build);
  ASSERT_NE(o.file, nullptr);
  Result<VisionConfig> c = ReadVisionConfig(*o.file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), code) << c.status().message();
  EXPECT_NE(c.status().message().find(needle), std::string::npos) << c.status().message();
}

TEST(MmprojConfig, BadFilesNameWhatIsWrong) {
  ExpectError([](gguf::Writer& w) { w.AddString("general.architecture", "llama"); },
              Status::Code::kInvalidArgument, "not an mmproj");
  ExpectError([](gguf::Writer& w) { AddCommon(w, "qwen3vl_merger"); }, Status::Code::kUnsupported,
              "'qwen3vl_merger' is not supported");
  ExpectError(  // Qwen2.5-VL's window pattern is required, as mtmd requires it
      [](gguf::Writer& w) {
        AddCommon(w, "qwen2.5vl_merger");
        AddQwenMerger(w);
      },
      Status::Code::kInvalidArgument, "clip.vision.n_wa_pattern");
  ExpectError(
      [](gguf::Writer& w) {
        Qwen25Vl()(w);
        w.AddU32("clip.vision.spatial_merge_size", 3);
      },
      Status::Code::kInvalidArgument, "merges 2x2 patches");
  ExpectError(
      [](gguf::Writer& w) {
        w.AddString("general.architecture", "clip");
        w.AddBool("clip.has_audio_encoder", true);
        w.AddString("clip.projector_type", "ultravox");
      },
      Status::Code::kUnsupported, "no vision encoder");
  ExpectError(Gemma3(3), Status::Code::kInvalidArgument, "does not divide the patch grid side 4");
  ExpectError(
      [](gguf::Writer& w) {
        AddCommon(w, "gemma3");
        AddZeros(w, "mm.input_projection.weight", {24, 12});
        AddZeros(w, "mm.soft_emb_norm.weight", {16});
      },
      Status::Code::kInvalidArgument, "'mm.input_projection.weight' is 24 x 12, expected 24 x 16");
  ExpectError(
      [](gguf::Writer& w) {
        Mlp()(w);
        AddZeros(w, "mm.3.weight", {24, 24});
      },
      Status::Code::kUnsupported, "mm.3");
  ExpectError(
      [](gguf::Writer& w) {
        w.AddString("general.architecture", "clip");
        w.AddBool("clip.has_vision_encoder", true);
        w.AddString("clip.projector_type", "gemma3");
        w.AddU32("clip.vision.image_size", 32);
      },
      Status::Code::kInvalidArgument, "clip.vision.patch_size");
}

}  // namespace
}  // namespace inferno::vision
