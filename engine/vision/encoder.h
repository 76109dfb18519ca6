// A vision encoder opened from an mmproj file: image in, language-model embeddings out
// (TokenGridFor's rows of n_embd_out), the way llama.cpp's mtmd computes them for the same
// file and image. Holds the mapped file; Encode is const and may run concurrently with
// separate thread pools.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/media/image.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/mmproj_config.h"
#include "engine/vision/projectors.h"
#include "engine/vision/vit.h"

namespace inferno::vision {

class VisionEncoder {
 public:
  static Result<std::unique_ptr<VisionEncoder>> Open(const std::string& path);

  const VisionConfig& config() const { return config_; }

  // [tokens][n_embd_out], row-major: the tokens of TokenGridFor(config(), img size) row by row.
  std::vector<float> Encode(ThreadPool& pool, const media::Image& img) const;

 private:
  VisionEncoder() = default;
  std::unique_ptr<gguf::File> file_;
  VisionConfig config_;
  VitWeights vit_;
  Gemma3Projector gemma3_;
  MlpProjector mlp_;
};

}  // namespace inferno::vision
