// Output file types (`--type` of convert, TYPE of quantize) and the per-tensor type each
// one gives, following llama.cpp's documented recipes: the _M mixes spend more bits where
// quantization error hurts most (the output projection, half of attn_v and ffn_down).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/tensor/dtype.h"
#include "engine/util/status.h"

namespace inferno::convert {

struct FileType {
  std::string name;  // "q4_k_m"
  uint32_t ftype;    // general.file_type (llama.cpp's llama_ftype)
  DType base;        // type of most matrices
  enum Mix { kPlain, kKs, kKm, kKl } mix = kPlain;
};

// Accepts names in any case ("Q4_K_M", "q8_0"); lists the supported ones on error.
Result<FileType> ParseFileType(std::string_view name);
std::string SupportedFileTypes();

struct TensorRole {
  std::string name;  // GGUF tensor name
  int64_t cols = 0;  // row length (shape[0])
  int n_dims = 0;
  int layer = -1;  // blk.N, or -1
  int n_layer = 0;
  bool has_output = true;  // false: token_embd doubles as the output projection
  int n_gqa = 1;           // attention heads per KV head (the IQ4 mixes give attn_v more bits)
  int n_expert = 0;        // experts per MoE layer, 0 for a dense model
};

// The type a tensor gets in a file of type `ft`. Vectors (norms, biases) stay F32; a matrix
// whose rows do not divide into the chosen type's blocks falls back to a compatible type.
DType ChooseTensorType(const FileType& ft, const TensorRole& t);

}  // namespace inferno::convert
