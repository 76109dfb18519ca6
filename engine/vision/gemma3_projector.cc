// Gemma 3's projector (see projectors.h).
#include <cstring>

#include "engine/model/blocks.h"
#include "engine/model/tensor_binder.h"
#include "engine/vision/projectors.h"

namespace inferno::vision {

Status Gemma3Projector::Bind(const gguf::File& f, const VisionConfig& c) {
  TensorBinder b(f);
  b.Vector("mm.soft_emb_norm.weight", c.n_embd, &norm_);
  INFERNO_RETURN_IF_ERROR(b.status());
  const gguf::TensorInfo* t = f.FindTensor("mm.input_projection.weight");
  if (t == nullptr) return Status::InvalidArgument(f.path() + ": no mm.input_projection.weight");
  if (t->type != DType::kF16 && t->type != DType::kF32 && t->type != DType::kBF16) {
    return Status::Unsupported(f.path() + ": mm.input_projection.weight is " +
                               std::string(DTypeName(t->type)) + ", expected F32, F16 or BF16");
  }
  // Stored as n_embd rows of n_embd_out; the kernels want n_embd_out rows of n_embd.
  const size_t elem = t->type == DType::kF32 ? 4 : 2;
  const int64_t rows = c.n_embd_out, cols = c.n_embd;
  proj_bytes_.resize(size_t(rows) * cols * elem);
  for (int64_t i = 0; i < cols; ++i) {
    for (int64_t j = 0; j < rows; ++j) {
      std::memcpy(&proj_bytes_[(j * cols + i) * elem], t->data + (i * rows + j) * elem, elem);
    }
  }
  proj_ = ops::WeightMatrix{t->type, rows, cols, proj_bytes_.data(), RowBytes(t->type, cols)};
  return Status::Ok();
}

std::vector<float> Gemma3Projector::Apply(ThreadPool& pool, const VisionConfig& c,
                                          const std::vector<float>& hidden) const {
  const int side = c.patches_per_side(), m = c.n_merge, out_side = side / m;
  const int64_t d = c.n_embd, n_tok = int64_t(out_side) * out_side;
  std::vector<float> pooled(n_tok * d, 0.0f);
  for (int oy = 0; oy < out_side; ++oy) {
    for (int ox = 0; ox < out_side; ++ox) {
      float* dst = &pooled[(int64_t(oy) * out_side + ox) * d];
      for (int dy = 0; dy < m; ++dy) {
        for (int dx = 0; dx < m; ++dx) {
          const float* src = &hidden[(int64_t(oy * m + dy) * side + ox * m + dx) * d];
          for (int64_t e = 0; e < d; ++e) dst[e] += src[e];
        }
      }
      for (int64_t e = 0; e < d; ++e) dst[e] /= float(m * m);
    }
  }
  blocks::RmsNorm(pooled.data(), norm_.data(), pooled.data(), n_tok, d, c.eps);
  std::vector<float> out(n_tok * c.n_embd_out);
  ops::Activations scratch;
  ops::MatMul(pool, proj_, pooled.data(), n_tok, out.data(), scratch);
  return out;
}

}  // namespace inferno::vision
