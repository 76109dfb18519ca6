// Qwen3 (dense): the Qwen2 block without Q/K/V biases and with RMSNorm over each head of Q and
// K before RoPE (NeoX style). Head size is its own hyper-parameter (attention.key_length),
// 128 for every released size, whatever n_embd / n_head is.
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
    DeclareAttention(b, c, l, w.layers[l]);
    DeclareQkNorm(b, c, l, w.layers[l]);
  }
}

constexpr HfName kHfNames[] = {{"qwen3", "Qwen3ForCausalLM"}};

constexpr auto kHfLayer = HfConcat(kHfAttnNorm, HfQkv(HfTransform::kCopy, HfTransform::kCopy),
                                   kHfAttnOutput, kHfQkNorm, kHfFfnNorm, kHfGatedFfn);

// config.json always gives head_dim, and llama.cpp then writes it.
constexpr HfConversion kHf{.names = kHfNames,
                           .layer = kHfLayer,
                           .rope_types = kHfRopeLinear | kHfRopeYarn,
                           .always_key_length = true};

}  // namespace

extern const Family kQwen3Family{.arch = "qwen3",
                                 .read_config = ReadConfig,
                                 .tensors = Tensors,
                                 .layer = SwiGluLayer,
                                 .hf = &kHf};

}  // namespace inferno
