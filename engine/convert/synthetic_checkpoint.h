// A small Hugging Face checkpoint built from known (seeded random) tensors and a hand-built
// SentencePiece vocabulary (byte fallback, <|im_start|>/<|im_end|> user-defined pieces, ChatML
// template), laid out as Transformers writes it: Llama (as the demo model's trainer writes
// it), Qwen3, Qwen3-MoE (one tensor per expert) or Mistral 3 (multimodal layout, YaRN RoPE
// parameters and Llama 4 attention scaling). The tensor names and config keys are written out
// here from Transformers' conventions, not from the converter's tables. Tests convert it and
// compare the GGUF against the values they put in, or run it through llama.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/convert/hf_export.h"
#include "engine/convert/sentencepiece_model.h"
#include "engine/util/status.h"

namespace inferno::convert {

struct SyntheticSpec {
  std::string arch = "llama";  // llama, qwen3, qwen3moe or mistral3
  int n_embd = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_head_kv = 2;
  int n_ff = 128;
  int n_ctx = 256;
  float eps = 1e-5f;
  float rope_theta = 10000.0f;
  int head_dim = 0;  // 0: n_embd / n_head (and no head_dim in config.json)
  int n_expert = 4, n_expert_used = 2, n_ff_exp = 32;  // qwen3moe
  int yarn_orig_ctx = 8;                               // mistral3
  bool tied = true;
  std::string dtype = "F32";  // safetensors dtype
  int shards = 1;
  unsigned seed = 1;
};

struct SyntheticCheckpoint {
  SyntheticSpec spec;
  SpmModel vocab;
  std::vector<HfTensor> tensors;  // as written (values rounded to the safetensors dtype)
  std::string chat_template;
  const HfTensor* Find(const std::string& name) const;
};

// The ChatML template the demo model uses.
extern const char kChatMlTemplate[];

// Builds the checkpoint in memory and writes it into `dir`.
Result<SyntheticCheckpoint> WriteSyntheticCheckpoint(const std::string& dir,
                                                     const SyntheticSpec& spec = {});

}  // namespace inferno::convert
