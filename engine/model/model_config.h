// Hyper-parameters of a model, read from GGUF metadata: the keys every family shares here, the
// family's own keys in its file (engine/model/family.h), and the architecture-level validation
// of a file (every tensor the family declares present, with the expected shape and a type the
// kernels multiply).
#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/delta_net.h"
#include "engine/model/family.h"
#include "engine/model/pooling.h"
#include "engine/model/rope_config.h"
#include "engine/util/status.h"

namespace inferno {

struct ModelConfig {
  const Family* family = nullptr;
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
  float embedding_scale = 1.0f;  // token embeddings are multiplied by this (Gemma: sqrt(n_embd))
  float attention_scale = 0.0f;  // queries·keys scale; 0: 1/sqrt(head_dim)
  bool scale_queries = false;    // the scale multiplies Q before the product (Gemma, Phi-3), as
                                 // the reference computes it, rather than the scores
  // Llama 4 style attention temperature (Mistral 3): queries at position p are multiplied by
  // 1 + attn_temp_scale * ln(floor(p / attn_temp_floor) + 1), so that attention stays sharp
  // far beyond the original context. 0: off.
  float attn_temp_scale = 0.0f;
  int attn_temp_floor = 0;
  // RoPE
  int rope_dim = 0;        // rotated dimensions per head (<= head_dim)
  RopeScaling rope;        // base, scaling (linear, YaRN, LongRoPE), factor tensors
  bool rope_neox = false;  // NeoX style (pairs i, i + dim/2) vs interleaved pairs
  // M-RoPE (qwen2vl): pairs split into sections turned by a token's temporal, height and width
  // positions (blocks::MRope); all zero: plain RoPE.
  std::array<int, 4> mrope_sections{};
  bool mrope() const { return mrope_sections != std::array<int, 4>{}; }
  // Sliding-window attention on some layers, full attention on the others.
  int sliding_window = 0;              // 0: none
  std::vector<bool> layer_is_sliding;  // per layer; their RoPE base is rope.freq_base_swa
  bool tied_output = false;            // output projection reuses token_embd
  // Encoders (bert): no output head, the hidden states are the result (embeddings only).
  bool has_lm_head = true;
  int n_token_types = 0;  // rows of token_types (tokenizer.ggml.token_type_count)
  // Mixture of experts (0 for dense families).
  int n_expert = 0;
  int n_expert_used = 0;
  int n_ff_exp = 0;  // feed-forward width of one expert
  // Hybrid linear attention (Qwen3.5): layers whose token mixer is a Gated DeltaNet with a
  // recurrent state per sequence instead of attention over the KV cache.
  std::vector<bool> layer_is_recurrent;  // per layer, all false for other families
  // A state that cannot be rolled back: what the prompt cache and speculative decoding ask.
  bool has_recurrent_layers() const {
    return std::find(layer_is_recurrent.begin(), layer_is_recurrent.end(), true) !=
           layer_is_recurrent.end();
  }
  DeltaNetDims delta_net;
  // Embeddings (engine/model/pooling.h): how the file says its final hidden states become one
  // vector per input, and whether a token attends to the whole input (encoders such as BERT,
  // whose family sets false and lists "attention.causal" in its own_keys) or only to itself
  // and the tokens before it.
  Pooling pooling = Pooling::kNone;
  bool causal_attention = true;
};

// What layer l mixes tokens with: "attention", "sliding-window attention" or "linear attention
// (Gated DeltaNet)" (for `inspect` and errors about probes that need attention weights).
std::string_view LayerKind(const ModelConfig& c, int layer);

// A model that only embeds: an encoder with no output head, or a file that declares a pooling
// (a decoder embedder such as Qwen3-Embedding, whose vocabulary logits mean nothing). llama.cpp
// refuses completions in its embedding mode likewise; /v1/models marks such models
// "type": "embeddings" and generation requests to them are a 400 (CheckGenerates).
inline bool EmbeddingOnly(const ModelConfig& c) {
  return !c.has_lm_head || c.pooling != Pooling::kNone;
}

// Reads and checks the hyper-parameters. Unsupported architecture → error listing supported.
Result<ModelConfig> ReadModelConfig(const gguf::File& file);

// Checks every tensor the family declares is present with the expected shape and a supported
// type. Errors name the file, the tensor, and the expected vs found shape.
Status ValidateModelTensors(const gguf::File& file, const ModelConfig& config);

// ReadModelConfig + ValidateModelTensors: the full verdict used by `inferno inspect`.
Status ValidateModel(const gguf::File& file);

// --- For the family files ---------------------------------------------------------------------

// Reads a required positive integer `<arch>.<suffix>`, at most `max`.
Status ReadDim(const gguf::File& f, const std::string& key, int* out, int64_t max = 1 << 24);
// As ReadDim, `def` when the key is absent.
Status ReadOptionalDim(const gguf::File& f, const std::string& key, int def, int* out);

// `<arch>.attention.sliding_window_pattern` (default `default_period`) as llama.cpp's
// set_swa_pattern reads it: layer l slides unless it is the last of its period.
Status ReadSlidingPattern(const gguf::File& f, int default_period, ModelConfig& c);

// A metadata key whose non-default value would change the computation in a way the family does
// not implement. Absent, or equal to `value`, is fine; anything else is refused naming the key.
struct DefaultKey {
  std::string_view suffix;  // after "<arch>."
  double value;
};
Status CheckDefaults(const gguf::File& f, const ModelConfig& c, std::span<const DefaultKey> keys);

}  // namespace inferno
