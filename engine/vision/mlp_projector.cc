// LLaVA's MLP projector (see projectors.h).
#include "engine/model/blocks.h"
#include "engine/model/tensor_binder.h"
#include "engine/vision/projectors.h"

namespace inferno::vision {

Status MlpProjector::Bind(const gguf::File& f, const VisionConfig& c) {
  TensorBinder b(f);
  const gguf::TensorInfo* up = f.FindTensor("mm.0.weight");
  const int64_t hidden = up != nullptr && up->shape.size() == 2 ? up->shape[1] : 0;
  // Qwen-VL's merger reads each 2x2 block of patches as one row of four.
  b.Matrix("mm.0.weight", c.qwen() ? 4 * int64_t(c.n_embd) : c.n_embd, hidden, &w0_);
  b.Vector("mm.0.bias", hidden, &b0_);
  b.Matrix("mm.2.weight", hidden, c.n_embd_out, &w2_);
  b.Vector("mm.2.bias", c.n_embd_out, &b2_);
  return b.status();
}

std::vector<float> MlpProjector::Apply(ThreadPool& pool, const VisionConfig& c,
                                       const std::vector<float>& hidden) const {
  const int64_t n = int64_t(hidden.size()) / w0_.cols;
  std::vector<float> mid(n * w0_.rows), out(n * c.n_embd_out);
  ops::Activations scratch;
  ops::MatMul(pool, w0_, hidden.data(), n, mid.data(), scratch);
  blocks::AddBias(mid.data(), b0_.data(), n, w0_.rows);
  blocks::Gelu(mid.data(), int64_t(mid.size()));
  ops::MatMul(pool, w2_, mid.data(), n, out.data(), scratch);
  blocks::AddBias(out.data(), b2_.data(), n, c.n_embd_out);
  return out;
}

}  // namespace inferno::vision
