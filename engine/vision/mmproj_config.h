// What an mmproj GGUF (the vision half of a multimodal model, as llama.cpp's converter writes
// it: general.architecture "clip", clip.* keys, v.* and mm.* tensors) declares: the projector,
// the ViT's shape, the preprocessing constants and the size of what it hands the language
// model. Read once from the metadata and the projector tensors' shapes; the encoder
// (encoder.h) and `inferno inspect` use it.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno::vision {

// The projectors Inferno runs; the file's clip.projector_type names them ("mlp", "gemma3").
enum class Projector { kMlp, kGemma3 };

// The ViT feed-forward activation: clip.use_gelu selects tanh-GELU, clip.use_silu SiLU, and
// neither means quick-GELU (x * sigmoid(1.702 x)), OpenAI CLIP's.
enum class FfnActivation { kGeluQuick, kGelu, kSilu };

// How the image is brought to image_size x image_size (mtmd's fixed-size preprocessing):
// scaled to fit with its aspect ratio kept (sizes rounded up), then centred on a square of
// pad_color.
enum class ResizeFilter { kBilinear, kBicubic };

struct VisionConfig {
  std::string projector_name;  // as in the file
  Projector projector = Projector::kGemma3;
  int image_size = 0;      // clip.vision.image_size (the square the ViT sees)
  int patch_size = 0;      // clip.vision.patch_size
  int n_embd = 0;          // clip.vision.embedding_length
  int n_ff = 0;            // clip.vision.feed_forward_length
  int n_layer = 0;         // clip.vision.block_count
  int n_head = 0;          // clip.vision.attention.head_count
  int projection_dim = 0;  // clip.vision.projection_dim (informative)
  float eps = 1e-6f;       // clip.vision.attention.layer_norm_epsilon
  std::array<float, 3> image_mean{};
  std::array<float, 3> image_std{};
  FfnActivation ffn = FfnActivation::kGeluQuick;
  ResizeFilter resize = ResizeFilter::kBilinear;
  std::array<uint8_t, 3> pad_color{};
  // gemma3: the side of the average-pooling window over the patch grid
  // (clip.vision.projector.scale_factor, 4 when absent as in every Gemma 3 release).
  int n_merge = 1;
  // mlp (LLaVA): the ViT runs block_count - 1 layers (the features of the second-to-last
  // layer, as LLaVA was trained), and a CLS embedding (v.class_embd) may join the sequence.
  int n_layer_run = 0;
  bool has_class_embd = false;
  int n_embd_out = 0;  // the language model's embedding size (from the projector tensors)

  int patches_per_side() const { return image_size / patch_size; }
  int n_patches() const { return patches_per_side() * patches_per_side(); }
  int tokens_per_image() const;
  // The image tokens as a grid over the picture, {rows, cols}: the patch grid, pooled by
  // n_merge for Gemma 3.
  std::pair<int, int> token_grid() const;
};

std::string_view ProjectorName(Projector p);
std::string_view FfnActivationName(FfnActivation a);

// True if the file is an mmproj (general.architecture "clip").
bool IsMmproj(const gguf::File& f);

// Reads and checks the keys and the shapes of the tensors the projector needs; errors name the
// file and the key or tensor.
Result<VisionConfig> ReadVisionConfig(const gguf::File& f);

}  // namespace inferno::vision
