// A model family (one GGUF `general.architecture`): its hyper-parameters, its tensors and its
// layer, declared in one file under engine/model (llama.cc, qwen2.cc, gemma3.cc, ...). Adding a
// family is that file plus one line in families.cc, conversion from Hugging Face included.
//
// The pieces every family shares (common hyper-parameters, the embedding and output tensors,
// the forward loop, the KV cache) live in model_config.cc, tensor_binder.cc and forward.cc; a
// family only says how it differs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/gguf/gguf_file.h"
#include "engine/model/hf_conversion.h"
#include "engine/model/rope_config.h"
#include "engine/util/status.h"

namespace inferno {

struct ModelConfig;
struct Weights;
struct LayerContext;
class TensorBinder;

struct Family {
  std::string_view arch;  // general.architecture

  // Reads the hyper-parameters only this family has, after the common ones (ReadModelConfig),
  // and sets the family's fixed choices (RoPE style, embedding scale, sliding layers). Keys
  // that would change the computation and are not implemented are refused here, naming them.
  Status (*read_config)(const gguf::File& file, ModelConfig& config);

  // Declares every tensor the family reads: name, shape, required or optional. The same
  // declaration checks a file (inspect) and binds it for inference (load).
  void (*tensors)(TensorBinder& binder, const ModelConfig& config, Weights& weights);

  // One transformer layer of the forward pass: reads and updates ctx.s.x in place.
  void (*layer)(LayerContext& ctx);

  // Optional: what the family adds to the token embeddings x[n_tokens][n_embd] before the first
  // layer (BERT: token type and position embeddings, then a LayerNorm).
  void (*finish_embedding)(const ModelConfig& config, const Weights& weights,
                           std::span<const int32_t> positions, float* x) = nullptr;

  // The RoPE keys and factor tensors the family reads (engine/model/rope_config.h); the
  // others are refused unless at llama.cpp's default.
  RopeFamilyKeys rope_keys = {};

  // Keys (after "<arch>.") the family implements itself, exempt from the common check that
  // refuses them (model_config.cc): Mistral 3's attention temperature, say.
  std::span<const std::string_view> own_keys = {};

  // How `inferno convert` maps the family's Hugging Face checkpoints to this GGUF
  // architecture (engine/model/hf_conversion.h); null when it cannot convert them.
  const HfConversion* hf = nullptr;
};

// The family whose arch name is `arch`, or null.
const Family* FindFamily(std::string_view arch);

// Every supported family, in the order of families.cc.
std::span<const Family* const> Families();

// "llama, qwen2, gemma3, ...": for the error about an unsupported architecture.
std::string SupportedArchitectures();

}  // namespace inferno
