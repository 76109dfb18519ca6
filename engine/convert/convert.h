// `inferno convert`: a Hugging Face checkpoint directory (config.json, *.safetensors,
// tokenizer.model or tokenizer.json, tokenizer_config.json) to one GGUF file that Inferno and
// llama.cpp load. Which families convert, and how, each family declares in its own file
// (engine/model/<family>.cc, `Family::hf`, engine/model/hf_conversion.h); this is the
// mechanics: config.json (hf_config.h), planning every tensor before writing any, the
// transforms, the vocabulary and the file.
//
// The transforms a family can ask for:
// - names: model.layers.N.self_attn.q_proj.weight → blk.N.attn_q.weight, and so on;
// - Q/K permutation (llama, mistral3): the rows of Q and K are permuted per head. Hugging Face
//   applies RoPE to the pairs (i, i + d/2) of each head ("rotate_half"); GGUF's llama RoPE
//   rotates adjacent pairs (2i, 2i + 1) with the same frequency index i. Moving output row i
//   to 2i and row i + d/2 to 2i + 1 in both Q and K makes the GGUF rotation act on the same
//   pairs with the same angles, and leaves every q·k product unchanged (both sides are
//   permuted alike);
// - plus one (gemma3): RMSNorm weights are stored as w where the model multiplies by (1 + w);
//   GGUF stores the factor itself, 1 + w;
// - fusing (phi3): separate q/k/v or gate/up projections are concatenated in that order;
// - expert stacking (qwen3moe): one matrix per expert becomes one 3-D tensor;
// - tied embeddings: no output.weight, the reader reuses token_embd.weight.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor/dtype.h"
#include "engine/util/status.h"

namespace inferno::convert {

struct ConvertOptions {
  // A FileType name (quant_mix.h), or "auto": bf16 when the checkpoint's matrices are all
  // BF16 (F16 cannot hold BF16's range), f16 otherwise.
  std::string type = "auto";
  std::string pre;   // pre-tokenizer name override for BPE tokenizers
  std::string name;  // general.name; default: the checkpoint folder's name
  // Extra string metadata (`--meta KEY=VALUE`), e.g. what a model was trained to do; a key
  // that the converter writes itself is an error, not a silent override.
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct ConvertProgress {
  size_t index = 0;  // tensors written so far (this one included)
  size_t count = 0;
  std::string tensor;
  DType type = DType::kF32;
  uint64_t bytes_done = 0;  // input bytes consumed so far
  uint64_t bytes_total = 0;
};
using ProgressFn = std::function<void(const ConvertProgress&)>;

// "llama, qwen2, ...": the families whose checkpoints convert (they declare their tensors).
std::string ConvertibleArchitectures();

Status ConvertCheckpoint(const std::string& dir, const std::string& out_path,
                         const ConvertOptions& options, const ProgressFn& progress = nullptr);

// Row permutation of one Q or K projection (rows = n_head * head_dim output features, each
// `cols` long) from Hugging Face's rotate_half layout to GGUF's interleaved pairs, and back.
void PermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols);
void UnpermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols);

}  // namespace inferno::convert
