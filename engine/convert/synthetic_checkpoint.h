// A small Hugging Face llama checkpoint built from known (seeded random) tensors and a
// hand-built SentencePiece vocabulary (byte fallback, <|im_start|>/<|im_end|> user-defined
// pieces, ChatML template), laid out as the demo model's trainer writes it. Tests convert
// it and compare the GGUF against the values they put in.
#pragma once

#include <string>
#include <vector>

#include "engine/convert/hf_export.h"
#include "engine/convert/sentencepiece_model.h"
#include "engine/util/status.h"

namespace inferno::convert {

struct SyntheticSpec {
  int n_embd = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_head_kv = 2;
  int n_ff = 128;
  int n_ctx = 256;
  float eps = 1e-5f;
  float rope_theta = 10000.0f;
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
