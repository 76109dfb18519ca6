// Qwen2 / Qwen2.5: the Llama block with biases on Q, K and V and NeoX-style RoPE (pairs i and
// i + n_rot/2).
#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File&, ModelConfig& c) {
  c.rope_neox = true;
  return Status::Ok();
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    DeclareNormsAndGatedFfn(b, c, l, w.layers[l]);
    DeclareAttention(b, c, l, w.layers[l], /*biases=*/Need::kRequired);
  }
}

constexpr HfName kHfNames[] = {{"qwen2", "Qwen2ForCausalLM"}};

constexpr auto kHfLayer =
    HfConcat(kHfAttnNorm, HfQkv(HfTransform::kCopy, HfTransform::kCopy),
             HfQkvBiases(HfTransform::kCopy, HfTransform::kCopy, HfNeed::kRequired), kHfAttnOutput,
             kHfFfnNorm, kHfGatedFfn);

constexpr HfConversion kHf{.names = kHfNames, .layer = kHfLayer};

}  // namespace

extern const Family kQwen2Family{.arch = "qwen2",
                                 .read_config = ReadConfig,
                                 .tensors = Tensors,
                                 .layer = SwiGluLayer,
                                 .hf = &kHf};

}  // namespace inferno
