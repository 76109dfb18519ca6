// Qwen2-VL / Qwen2.5-VL language models (llama.cpp's arch "qwen2vl" holds both): the Qwen2
// block (biases on Q, K and V, NeoX-style pairs) with M-RoPE. rope.dimension_sections splits
// each head's rotated pairs into sections turned by the token's temporal, height and width
// positions: a text token has its position in all three (which is plain RoPE), an image's
// tokens the image's start plus their row and column (engine/runtime/media.h). The patch
// encoder is the mmproj's (engine/vision).
#include <string>

#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadSections(const gguf::File& f, ModelConfig& c) {
  const std::string key = c.arch_name + ".rope.dimension_sections";
  Result<std::vector<int64_t>> s = f.GetIntArray(key);
  if (!s.ok()) return s.status();
  if (s->size() < 3 || s->size() > 4) {
    return Status::Corruption(f.path() + ": metadata '" + key + "' holds " +
                              std::to_string(s->size()) + " values, expected 3 or 4");
  }
  int64_t sum = 0;
  for (size_t i = 0; i < s->size(); ++i) {
    if ((*s)[i] < 0 || (*s)[i] > c.rope_dim) {
      return Status::Corruption(f.path() + ": metadata '" + key + "' value " +
                                std::to_string((*s)[i]) + " is out of 0.." +
                                std::to_string(c.rope_dim));
    }
    c.mrope_sections[i] = int((*s)[i]);
    sum += (*s)[i];
  }
  if (sum == 0) return Status::Corruption(f.path() + ": metadata '" + key + "' is all zero");
  return Status::Ok();
}

Status ReadConfig(const gguf::File& f, ModelConfig& c) {
  c.rope_neox = true;
  return ReadSections(f, c);
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    DeclareNormsAndGatedFfn(b, c, l, w.layers[l]);
    DeclareAttention(b, c, l, w.layers[l], /*biases=*/Need::kRequired);
  }
}

}  // namespace

extern const Family kQwen2VlFamily{
    .arch = "qwen2vl", .read_config = ReadConfig, .tensors = Tensors, .layer = SwiGluLayer};

}  // namespace inferno
