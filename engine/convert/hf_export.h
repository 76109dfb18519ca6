// The inverse of conversion: writes a GGUF model back out as a Hugging Face checkpoint
// folder (config.json, safetensors, tokenizer.model or tokenizer.json, tokenizer_config.json).
// Tests use it to build checkpoints from models whose outputs are known (the llama.cpp
// oracle fixtures), so that convert can be checked end to end against an independent
// reference; it is also a writer of safetensors files for tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno::convert {

struct HfTensor {
  std::string name;
  std::vector<int64_t> shape;  // PyTorch order
  std::vector<float> data;
};

// dtype: "F32", "F16" or "BF16". Tensors are written in the given order.
Status WriteSafetensors(const std::string& path, const std::vector<HfTensor>& tensors,
                        const std::string& dtype = "F32");

struct ExportOptions {
  std::string dtype = "F32";
  int shards = 1;  // > 1: model-0000i-of-0000n.safetensors plus model.safetensors.index.json
};

// Dequantizes every tensor and writes the checkpoint into `dir` (created if needed). Exports
// the models of every family that declares its Hugging Face mapping (Family::hf, read
// backwards: names, transforms undone, experts split, family keys and RoPE scaling back into
// config.json) with a SentencePiece ("llama") vocabulary or a byte-level BPE ("gpt2") one
// with the gpt-2 pre-tokenizer; anything else is Unsupported.
Status ExportHfCheckpoint(const gguf::File& file, const std::string& dir,
                          const ExportOptions& options = {});

}  // namespace inferno::convert
