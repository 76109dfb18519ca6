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

// The projectors Inferno runs; the file's clip.projector_type names them ("mlp", "gemma3",
// "qwen2vl", "qwen2.5vl").
enum class Projector { kMlp, kGemma3, kQwen2Vl, kQwen25Vl };

// The ViT feed-forward activation: clip.use_gelu selects tanh-GELU, clip.use_silu SiLU, and
// neither means quick-GELU (x * sigmoid(1.702 x)), OpenAI CLIP's.
enum class FfnActivation { kGeluQuick, kGelu, kSilu };

// How the image is brought to the size the ViT sees (image_size x image_size, or for Qwen-VL a
// size of its own near the image's, see ImageSizeFor): scaled to fit with its aspect ratio kept
// (sizes rounded up), then centred on a canvas of pad_color.
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
  // Qwen-VL (n_merge 2: each 2x2 block of patches becomes one token): the image keeps about its
  // own size, a multiple of patch_size * n_merge with min_pixels..max_pixels; the ViT's
  // norms are RMS norms (Qwen2.5-VL) or LayerNorms; with n_wa_pattern > 0 (Qwen2.5-VL) every
  // n_wa_pattern-th layer attends over the whole image and the others within windows of
  // window_size pixels.
  int min_pixels = 0, max_pixels = 0;
  bool rms_norm = false;
  int n_wa_pattern = 0;
  int window_size = 0;

  bool qwen() const {
    return projector == Projector::kQwen2Vl || projector == Projector::kQwen25Vl;
  }
  // The image's tokens sit on a 2-D grid of M-RoPE positions in the language model (Qwen-VL).
  bool mrope() const { return qwen(); }
  int patches_per_side() const { return image_size / patch_size; }
  int n_patches() const { return patches_per_side() * patches_per_side(); }
  // Fixed-size projectors: the token count of every image.
  int tokens_per_image() const;
  // The image tokens as a grid over the picture, {rows, cols}: the patch grid, pooled by
  // n_merge for Gemma 3.
  std::pair<int, int> token_grid() const;
};

// The grid of an image's tokens in the language model: cols x rows tokens, row by row.
struct TokenGrid {
  int cols = 0, rows = 0;
  int n_tokens() const { return cols * rows; }
};

// The pixel size the ViT sees for an image of width x height: image_size square for the
// fixed-size projectors; for Qwen-VL the image's own size rounded to multiples of
// patch_size * n_merge, scaled down into max_pixels or up into min_pixels (mtmd's
// calc_size_preserved_ratio, float arithmetic included).
struct PixelSize {
  int width = 0, height = 0;
};
PixelSize ImageSizeFor(const VisionConfig& c, int width, int height);

// The token grid of an image of width x height.
TokenGrid TokenGridFor(const VisionConfig& c, int width, int height);

std::string_view ProjectorName(Projector p);
std::string_view FfnActivationName(FfnActivation a);

// True if the file is an mmproj (general.architecture "clip").
bool IsMmproj(const gguf::File& f);

// Reads and checks the keys and the shapes of the tensors the projector needs; errors name the
// file and the key or tensor.
Result<VisionConfig> ReadVisionConfig(const gguf::File& f);

}  // namespace inferno::vision
