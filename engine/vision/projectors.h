// The projectors that turn the ViT's patch states into language-model embeddings, one file
// each (gemma3_projector.cc, mlp_projector.cc), as llama.cpp's mtmd builds them
// (tools/mtmd/models/siglip.cpp, models/llava.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::vision {

// Gemma 3: n_merge x n_merge average pooling over the patch grid, RMS norm times
// mm.soft_emb_norm, then mm.input_projection (stored [n_embd_out, n_embd]: mtmd multiplies by
// its transpose, which we keep as a copy so the matmul kernels read rows).
class Gemma3Projector {
 public:
  Status Bind(const gguf::File& f, const VisionConfig& c);
  // hidden: [n_patches][n_embd] -> [tokens_per_image][n_embd_out]
  std::vector<float> Apply(ThreadPool& pool, const VisionConfig& c,
                           const std::vector<float>& hidden) const;

 private:
  std::vector<float> norm_;
  std::vector<uint8_t> proj_bytes_;  // the transposed copy
  ops::WeightMatrix proj_;
};

// LLaVA: mm.0 (Linear), GELU, mm.2 (Linear), per patch. Qwen-VL's patch merger is the same
// over rows of four patches (RunQwenVit's merge order).
class MlpProjector {
 public:
  Status Bind(const gguf::File& f, const VisionConfig& c);
  std::vector<float> Apply(ThreadPool& pool, const VisionConfig& c,
                           const std::vector<float>& hidden) const;

 private:
  ops::WeightMatrix w0_, w2_;
  std::vector<float> b0_, b2_;
};

}  // namespace inferno::vision
