// The vision transformer shared by the CLIP and SigLIP encoders of mmproj files, as llama.cpp's
// mtmd builds it (tools/mtmd/clip.cpp build_inp/build_vit, models/llava.cpp): a patch
// convolution, learned position embeddings (plus a CLS embedding for LLaVA, appended after the
// patches as mtmd does), an optional pre-LayerNorm, pre-norm layers of bidirectional attention
// and a two-matrix feed-forward (all with biases), an optional post-LayerNorm. Matrices go
// through the engine's matmul kernels (F16 weights meet F16-rounded activations, as in ggml);
// attention is f32 as in mtmd's non-flash path.
#pragma once

#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/mmproj_config.h"
#include "engine/vision/preprocess.h"

namespace inferno::vision {

struct VitLayer {
  ops::WeightMatrix q, k, v, o, up, down;
  std::vector<float> q_b, k_b, v_b, o_b, up_b, down_b;
  std::vector<float> ln1_w, ln1_b, ln2_w, ln2_b;
};

struct VitWeights {
  ops::WeightMatrix patch;            // [n_embd][3 * patch * patch], channel, row, column
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

}  // namespace inferno::vision
