// How a family's Hugging Face checkpoints map to its GGUF files, declared in the family's own
// file (engine/model/<family>.cc) and carried out by engine/convert: `inferno convert` (HF →
// GGUF) reads these tables forwards, the checkpoint export (GGUF → HF) backwards. Plain data,
// so that a family states what it is and the mechanics stay in one place.
//
// What every family shares is not declared: config.json's common keys (hidden_size,
// num_hidden_layers, num_attention_heads, ..., rope_theta, rope_scaling or rope_parameters),
// the embedding (embed_tokens → token_embd), the final norm (norm → output_norm) and the output
// projection (lm_head → output, left out when tied).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace inferno {

// A symbolic size, resolved from the checkpoint's config.json.
enum class HfDim : uint8_t {
  kEmbd,     // hidden_size
  kQ,        // num_attention_heads * head_dim
  kKv,       // num_key_value_heads * head_dim
  kQkv,      // kQ + 2 * kKv (fused Q/K/V)
  kHeadDim,  // head_dim
  kHeads,    // num_attention_heads
  kFf,       // intermediate_size
  kFf2,      // 2 * intermediate_size (fused gate/up)
  kExperts,  // the expert count
  kFfExp,    // the width of one expert
};

// What conversion does to a tensor's values (undone by the export).
enum class HfTransform : uint8_t {
  kCopy,
  // Rows of Q (kPermuteQ, n_head heads) or K (kPermuteK, n_head_kv heads), biases alike, from
  // Hugging Face's rotate_half order to GGUF's interleaved pairs (llama-style RoPE).
  kPermuteQ,
  kPermuteK,
  // RMSNorm weights stored as w where the model multiplies by 1 + w (Gemma): GGUF holds 1 + w.
  kAddOne,
};

enum class HfNeed : uint8_t { kRequired, kOptional };

// One part of a tensor that the checkpoint may store unfused (concatenated along rows).
struct HfPart {
  std::string_view hf;
  HfDim rows;
};

// One per-layer tensor: GGUF "blk.N.<gguf>" from Hugging Face "<prefix>layers.N.<hf>". A 2-D
// tensor is rows x cols in PyTorch order (GGUF reverses it); a 1-D one has rows only.
struct HfLayerTensor {
  std::string_view gguf;
  std::string_view hf;
  HfDim rows;
  std::optional<HfDim> cols = std::nullopt;
  HfTransform transform = HfTransform::kCopy;
  HfNeed need = HfNeed::kRequired;
  // When `hf` is absent: the same tensor stored in parts, concatenated in this order (Phi-3's
  // separate q/k/v projections for its fused attn_qkv).
  std::span<const HfPart> parts = {};
  // `hf` holds "{e}", one tensor per expert: stacked into one 3-D GGUF tensor (experts
  // outermost), as llama.cpp's ffn_*_exps.
  bool per_expert = false;
};

// A config.json key written as a GGUF key "<arch>.<gguf>" (unsigned 32-bit or float).
struct HfKey {
  std::string_view hf;
  std::string_view gguf;
  enum Type : uint8_t { kU32, kF32 } type = kU32;
  // Used when the key is absent. Without one, a missing required key is an error and a
  // missing optional one is not written.
  std::optional<double> default_value = std::nullopt;
  HfNeed need = HfNeed::kRequired;
  // Read from the RoPE parameters object (rope_parameters / rope_scaling) instead of the
  // config's top level.
  bool in_rope = false;
};

// A config.json key whose value changes the computation in a way the family does not
// implement: refused unless absent or equal to `json` (JSON text).
struct HfFixedKey {
  std::string_view hf;
  std::string_view json;
};

// Checkpoint tensors (a part of their name) the conversion cannot handle, and why.
struct HfRefused {
  std::string_view hf_part;  // found anywhere in the name
  std::string_view why;
};

// The Hugging Face names of the family: config.json's model_type or architectures[0].
struct HfName {
  std::string_view model_type;
  std::string_view architecture;
};

// RoPE scaling types (config's rope_type) the conversion writes for the family.
enum HfRopeTypes : uint8_t {
  kHfRopeLinear = 1,
  kHfRopeLlama3 = 2,  // rope_freqs.weight computed from the config
  kHfRopeYarn = 4,
};

struct HfConversion {
  std::span<const HfName> names;         // the first, a text-only model, is what the export writes
  std::span<const HfLayerTensor> layer;  // in the GGUF's tensor order
  std::span<const HfKey> keys = {};      // written after the common keys, in this order
  std::span<const HfFixedKey> fixed = {};
  std::span<const HfRefused> refused = {};
  uint8_t rope_types = kHfRopeLinear;
  // The transform of the final norm (kAddOne for Gemma).
  HfTransform output_norm = HfTransform::kCopy;
  // Defaults of common keys that differ between families.
  int64_t default_context = 4096;
  double default_eps = 1e-6;
  double default_rope_theta = 10000;
  bool default_tied = false;
  // attention.key_length / value_length even when head_dim is hidden_size / heads (as
  // llama.cpp writes them when config.json gives head_dim).
  bool always_key_length = false;
};

// Building blocks the families share, joined with HfConcat in GGUF tensor order.
template <typename T, size_t... N>
constexpr std::array<T, (N + ...)> HfConcat(const std::array<T, N>&... parts) {
  std::array<T, (N + ...)> out{};
  size_t i = 0;
  ((std::copy(parts.begin(), parts.end(), out.begin() + i), i += N), ...);
  return out;
}

inline constexpr std::array<HfLayerTensor, 1> kHfAttnNorm = {
    {{"attn_norm.weight", "input_layernorm.weight", HfDim::kEmbd}}};

// Q, K and V projections; `q` and `k` say whether their rows are permuted (llama-style RoPE).
constexpr std::array<HfLayerTensor, 3> HfQkv(HfTransform q, HfTransform k) {
  return {{{"attn_q.weight", "self_attn.q_proj.weight", HfDim::kQ, HfDim::kEmbd, q},
           {"attn_k.weight", "self_attn.k_proj.weight", HfDim::kKv, HfDim::kEmbd, k},
           {"attn_v.weight", "self_attn.v_proj.weight", HfDim::kKv, HfDim::kEmbd}}};
}

// Their biases, permuted as the rows they belong to.
constexpr std::array<HfLayerTensor, 3> HfQkvBiases(HfTransform q, HfTransform k, HfNeed need) {
  return {{{"attn_q.bias", "self_attn.q_proj.bias", HfDim::kQ, std::nullopt, q, need},
           {"attn_k.bias", "self_attn.k_proj.bias", HfDim::kKv, std::nullopt, k, need},
           {"attn_v.bias", "self_attn.v_proj.bias", HfDim::kKv, std::nullopt, HfTransform::kCopy,
            need}}};
}

inline constexpr std::array<HfLayerTensor, 1> kHfAttnOutput = {
    {{"attn_output.weight", "self_attn.o_proj.weight", HfDim::kEmbd, HfDim::kQ}}};

// Per-head RMSNorm of Q and K (Qwen3).
inline constexpr std::array<HfLayerTensor, 2> kHfQkNorm = {
    {{"attn_q_norm.weight", "self_attn.q_norm.weight", HfDim::kHeadDim},
     {"attn_k_norm.weight", "self_attn.k_norm.weight", HfDim::kHeadDim}}};

// The norm before the feed-forward, which Transformers calls post_attention_layernorm.
inline constexpr std::array<HfLayerTensor, 1> kHfFfnNorm = {
    {{"ffn_norm.weight", "post_attention_layernorm.weight", HfDim::kEmbd}}};

inline constexpr std::array<HfLayerTensor, 3> kHfGatedFfn = {
    {{"ffn_gate.weight", "mlp.gate_proj.weight", HfDim::kFf, HfDim::kEmbd},
     {"ffn_up.weight", "mlp.up_proj.weight", HfDim::kFf, HfDim::kEmbd},
     {"ffn_down.weight", "mlp.down_proj.weight", HfDim::kEmbd, HfDim::kFf}}};

// The Llama block (also Mistral 3): permuted Q/K, optional biases, gated feed-forward.
inline constexpr auto kHfLlamaLayer =
    HfConcat(kHfAttnNorm, HfQkv(HfTransform::kPermuteQ, HfTransform::kPermuteK),
             HfQkvBiases(HfTransform::kPermuteQ, HfTransform::kPermuteK, HfNeed::kOptional),
             kHfAttnOutput, kHfFfnNorm, kHfGatedFfn);

}  // namespace inferno
