// Opening an mmproj and running preprocessing, the ViT and the projector in turn.
#include "engine/vision/encoder.h"

#include "engine/vision/preprocess.h"

namespace inferno::vision {

Result<std::unique_ptr<VisionEncoder>> VisionEncoder::Open(const std::string& path) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(path);
  if (!f.ok()) return f.status();
  Result<VisionConfig> c = ReadVisionConfig(**f);
  if (!c.ok()) return c.status();
  std::unique_ptr<VisionEncoder> e(new VisionEncoder());
  e->file_ = std::move(*f);
  e->config_ = *c;
  const VisionConfig& cfg = e->config_;
  INFERNO_RETURN_IF_ERROR(cfg.qwen() ? BindQwenVit(*e->file_, cfg, &e->vit_)
                                     : BindVit(*e->file_, cfg, &e->vit_));
  INFERNO_RETURN_IF_ERROR(cfg.projector == Projector::kGemma3 ? e->gemma3_.Bind(*e->file_, cfg)
                                                              : e->mlp_.Bind(*e->file_, cfg));
  return e;
}

std::vector<float> VisionEncoder::Encode(ThreadPool& pool, const media::Image& img) const {
  const PixelPlanes pixels = Preprocess(img, config_);
  const std::vector<float> hidden = config_.qwen() ? RunQwenVit(pool, vit_, config_, pixels)
                                                   : RunVit(pool, vit_, config_, pixels);
  return config_.projector == Projector::kGemma3 ? gemma3_.Apply(pool, config_, hidden)
                                                 : mlp_.Apply(pool, config_, hidden);
}

}  // namespace inferno::vision
