// The ViT forward (see vit.h). Tensor names and shapes: llama.cpp tools/mtmd/clip-impl.h.
#include "engine/vision/vit.h"

#include <cmath>
#include <string>

#include "engine/model/blocks.h"
#include "engine/model/tensor_binder.h"
#include "engine/vision/vit_blocks.h"

namespace inferno::vision {

Status BindVit(const gguf::File& f, const VisionConfig& c, VitWeights* w) {
  INFERNO_RETURN_IF_ERROR(BindPatch(f, c, "v.patch_embd.weight", &w->patch));
  TensorBinder b(f);
  const int64_t d = c.n_embd, n_pos = c.n_patches() + (c.has_class_embd ? 1 : 0);
  b.Vector("v.patch_embd.bias", d, &w->patch_b, Need::kOptional);
  b.Vector("v.position_embd.weight", {d, n_pos}, &w->position);
  if (c.has_class_embd) b.Vector("v.class_embd", d, &w->class_embd);
  BindNormsAndLayers(b, c, w);
  INFERNO_RETURN_IF_ERROR(b.status());
  if (w->pre_w.size() != w->pre_b.size() || w->post_w.size() != w->post_b.size()) {
    return Status::InvalidArgument(f.path() + ": v.pre_ln / v.post_ln need both weight and bias");
  }
  return Status::Ok();
}

std::vector<float> RunVit(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                          const PixelPlanes& pixels) {
  const int64_t d = c.n_embd, n_patches = c.n_patches();
  const int64_t n = n_patches + (c.has_class_embd ? 1 : 0);
  VitBuffers b;
  std::vector<float> x(n * d);
  const std::vector<float> cols = Im2Col(pixels, c.patch_size);
  Linear(pool, w.patch, w.patch_b, cols.data(), n_patches, x.data(), b.scratch);
  if (c.has_class_embd) std::copy(w.class_embd.begin(), w.class_embd.end(), &x[n_patches * d]);
  blocks::Add(x.data(), w.position.data(), n * d);
  if (!w.pre_w.empty()) {
    blocks::LayerNorm(x.data(), w.pre_w.data(), w.pre_b.data(), x.data(), n, d, c.eps);
  }
  b.Resize(c, n);
  for (const VitLayer& L : w.layers) {
    SelfAttention(pool, L, c, n, x.data(), b, /*rotate=*/{}, /*group=*/nullptr);
    FeedForward(pool, L, c, n, x.data(), b);
  }
  if (!w.post_w.empty()) {
    blocks::LayerNorm(x.data(), w.post_w.data(), w.post_b.data(), x.data(), n, d, c.eps);
  }
  // mtmd appends the CLS row after the patches but then skips row 0 when the model has a CLS
  // embedding (clip.cpp, "patches" input: i + 1), so the first patch is dropped and the CLS
  // row kept last. We hand the language model what mtmd hands it.
  if (c.has_class_embd) x.erase(x.begin(), x.begin() + d);
  return x;
}

}  // namespace inferno::vision
