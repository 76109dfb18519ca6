// Llama family (Llama 2/3.x, Mistral 7B, TinyLlama, SmolLM, DeepSeek-R1-Distill-Llama).
//
//   x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n)   with n = rmsnorm(x)
//   x += Wdown · (silu(Wgate·n) * Wup·n)                with n = rmsnorm(x)
//
// RoPE rotates interleaved pairs (2i, 2i+1); Llama 3.1+ divides its frequencies by the
// per-pair factors of `rope_freqs.weight`; linear and YaRN scaling as the file says.
#include "engine/model/forward.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

Status ReadConfig(const gguf::File&, ModelConfig& c) {
  c.rope_neox = false;
  return Status::Ok();
}

void Tensors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  DeclareEmbeddingAndOutput(b, c, w);
  for (int l = 0; l < c.n_layer; ++l) {
    DeclareNormsAndGatedFfn(b, c, l, w.layers[l]);
    DeclareAttention(b, c, l, w.layers[l]);
  }
}

constexpr HfName kHfNames[] = {{"llama", "LlamaForCausalLM"}, {"mistral", "MistralForCausalLM"}};

constexpr HfConversion kHf{.names = kHfNames,
                           .layer = kHfLlamaLayer,
                           .rope_types = kHfRopeLinear | kHfRopeLlama3 | kHfRopeYarn};

}  // namespace

extern const Family kLlamaFamily{.arch = "llama",
                                 .read_config = ReadConfig,
                                 .tensors = Tensors,
                                 .layer = SwiGluLayer,
                                 .rope_keys = RopeFamilyKeys{.freqs_or_longrope = true},
                                 .hf = &kHf};

}  // namespace inferno
