// Hyper-parameters of a model, read from GGUF metadata, and the architecture-level
// validation of a file (required tensors present, shapes and types as the family expects).
#pragma once

#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno {

enum class Arch { kLlama, kQwen2, kGemma3, kPhi3 };

// "llama, qwen2, gemma3, phi3": used in the error for an unsupported architecture.
std::string SupportedArchitectures();

struct ModelConfig {
  Arch arch = Arch::kLlama;
  std::string arch_name;  // general.architecture as stored
  std::string name;       // general.name, may be empty
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;    // per-head size of Q and K
  int head_dim_v = 0;  // per-head size of V
  int n_ff = 0;
  int n_ctx_train = 0;
  float norm_eps = 1e-5f;
  // RoPE
  int rope_dim = 0;  // rotated dimensions per head (<= head_dim)
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // linear scaling: positions are multiplied by this
  bool rope_neox = false;        // NeoX style (pairs i, i + dim/2) vs interleaved pairs
  // Gemma3: sliding-window attention on some layers, global on others.
  int sliding_window = 0;                   // 0: none
  std::vector<bool> layer_is_sliding;       // per layer
  float rope_freq_base_sliding = 10000.0f;  // gemma3 local layers use a different base
  bool tied_output = false;                 // output projection reuses token_embd
};

// Reads and checks the hyper-parameters. Unsupported architecture → error listing supported.
Result<ModelConfig> ReadModelConfig(const gguf::File& file);

// Checks every tensor the architecture needs is present with the expected shape and a
// supported type. Errors name the file, the tensor, and the expected vs found shape.
Status ValidateModelTensors(const gguf::File& file, const ModelConfig& config);

// ReadModelConfig + ValidateModelTensors: the full verdict used by `inferno inspect`.
Status ValidateModel(const gguf::File& file);

}  // namespace inferno
