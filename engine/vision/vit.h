// The vision transformers of mmproj files. RunVit: the one shared by the CLIP and SigLIP
// encoders, as llama.cpp's
// mtmd builds it (tools/mtmd/clip.cpp build_inp/build_vit, models/llava.cpp): a patch
// convolution, learned position embeddings (plus a CLS embedding for LLaVA, appended after the
// patches as mtmd does), an optional pre-LayerNorm, pre-norm layers of bidirectional attention
// and a two-matrix feed-forward (all with biases), an optional post-LayerNorm. Matrices go
// through the engine's matmul kernels (F16 weights meet F16-rounded activations, as in ggml);
// attention is f32 as in mtmd's non-flash path. RunQwenVit (qwen_vit.cc): Qwen-VL's, as
// models/qwen2vl.cpp builds it.
#pragma once

#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/mmproj_config.h"
#include "engine/vision/preprocess.h"

namespace inferno::vision {

struct VitLayer {
  ops::WeightMatrix q, k, v, o, up, down, gate;  // gate: Qwen2.5-VL's SwiGLU, else unbound
  std::vector<float> q_b, k_b, v_b, o_b, up_b, down_b, gate_b;
  std::vector<float> ln1_w, ln1_b, ln2_w, ln2_b;
  bool gated() const { return gate.data != nullptr; }
};

struct VitWeights {
  ops::WeightMatrix patch;            // [n_embd][3 * patch * patch], channel, row, column
  ops::WeightMatrix patch_1;          // Qwen-VL's second kernel (its temporal pair), summed
  std::vector<float> patch_b;         // may be empty
  std::vector<float> position;        // [n_pos][n_embd]
  std::vector<float> class_embd;      // [n_embd] or empty
  std::vector<float> pre_w, pre_b;    // pre-LayerNorm, may be empty
  std::vector<float> post_w, post_b;  // post-LayerNorm, may be empty
  std::vector<VitLayer> layers;       // the layers that run (n_layer_run)
};

// Binds the v.* tensors; errors name the tensor and the expected shape.
Status BindVit(const gguf::File& f, const VisionConfig& c, VitWeights* w);

// The hidden states [n_patches][n_embd] of the patches (the CLS row, if any, dropped the way
// mtmd drops a row: see vit.cc), after the post-LayerNorm.
std::vector<float> RunVit(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                          const PixelPlanes& pixels);

// Qwen2-VL / Qwen2.5-VL: two patch kernels summed (mtmd's still-image pair), no position
// embeddings but 2-D RoPE (a quarter of each head turned by the patch's row, a quarter by its
// column, the other half their partners), pre-norm layers of LayerNorm (Qwen2) or RMS norm
// (Qwen2.5) with a plain or gated (SwiGLU) feed-forward, window attention on the layers that
// are not every n_wa_pattern-th, the post-norm. Errors name the tensor.
Status BindQwenVit(const gguf::File& f, const VisionConfig& c, VitWeights* w);

// The hidden states [n_patches][n_embd] of an image of any size (multiples of 2 * patch_size),
// in merge order: each 2x2 block of patches as four rows (top left, top right, bottom left,
// bottom right), the blocks row by row, so that the rows read four at a time are the patch
// merger's input [n_tokens][4 * n_embd].
std::vector<float> RunQwenVit(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                              const PixelPlanes& pixels);

}  // namespace inferno::vision
