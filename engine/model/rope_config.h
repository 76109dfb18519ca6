// RoPE scaling of a model, read from GGUF metadata the way llama.cpp (2026) reads it: the
// scaling type, the numbers the rotation kernel takes (blocks::RopeParams) after llama.cpp's
// context set-up has folded them together, and which frequency-factor tensors apply.
//
// Every rope key llama.cpp reads for the families we run is either implemented here or
// refused with an error naming the key: a model whose positions we would rotate differently
// from its training must not load and produce plausible but wrong tokens.
//
// Keys (prefix "<arch>."):
//   rope.freq_base                           theta base (default 10000)
//   rope.scaling.type                        none | linear | yarn | longrope (default linear)
//   rope.scaling.factor, rope.scale_linear   context stretch; positions are divided by it
//   rope.scaling.original_context_length     YaRN / LongRoPE training context (default the
//                                            model's context_length)
//   rope.scaling.attn_factor                 cos/sin magnitude (Phi-3 LongRoPE writes it)
//   rope.scaling.yarn_beta_fast / _slow      YaRN ramp ends (honoured where llama.cpp does)
//   rope.scaling.yarn_log_multiplier         YaRN magnitude, HF "mscale_all_dim" (ditto)
//   rope.scaling.yarn_ext_factor / _attn_factor, rope.scaling.alpha, rope.freq_base_swa
//                                            refused unless at llama.cpp's default value
//   rope.scaling.finetuned                   informational, ignored (as llama.cpp)
// Tensors (global, n_rot/2 values):
//   rope_freqs.weight                        Llama 3.x per-pair divisors, always applied
//   rope_factors_long.weight / _short.weight Phi-3 LongRoPE divisors: long when the context
//                                            is longer than original_context_length
#pragma once

#include <string>
#include <string_view>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno {

// Not included: blocks.h reaches model_config.h, which will hold a RopeScaling.
namespace blocks {
struct RopeParams;
}

enum class RopeScalingType { kNone, kLinear, kYarn, kLongRope };

// "none", "linear", "yarn", "longrope".
const char* RopeScalingTypeName(RopeScalingType type);

// Which per-pair frequency divisors a model carries.
enum class RopeFactorTensors {
  kNone,
  kFreqs,      // rope_freqs.weight
  kLongShort,  // rope_factors_long.weight and rope_factors_short.weight
};

// What a family reads, as its load_arch_hparams / load_arch_tensors in llama.cpp do. An
// optional key the family does not honour is refused when it holds anything but llama.cpp's
// default: llama.cpp would ignore it, the model's authors meant it, and we cannot be right
// for both.
struct RopeFamilyKeys {
  // rope_freqs.weight, or with rope.scaling.type longrope the long/short factors (llama,
  // mistral3).
  bool freqs_or_longrope = false;
  // rope_factors_long/short.weight whatever the type says (phi3).
  bool long_short = false;
  bool yarn_beta = false;            // rope.scaling.yarn_beta_fast / yarn_beta_slow (mistral3)
  bool yarn_log_multiplier = false;  // rope.scaling.yarn_log_multiplier (mistral3)
  bool freq_base_swa = false;        // rope.freq_base_swa (gemma3)
};

struct RopeScaling {
  RopeScalingType type = RopeScalingType::kNone;
  float freq_base = 10000.0f;
  float freq_base_swa = 10000.0f;  // sliding-window layers (gemma3)
  float factor = 0.0f;             // rope.scaling.factor as stored; 0 when absent
  float freq_scale = 1.0f;         // positions are multiplied by this (1 / factor)
  int n_ctx_orig = 0;              // original_context_length, else the training context
  // What llama.cpp's context hands ggml_rope_ext: ext_factor 1 for YaRN, else 0; attn_factor
  // with YaRN's magnitude correction already divided out (the kernel multiplies it back in)
  // and rope.scaling.attn_factor multiplied in.
  float ext_factor = 0.0f;
  float attn_factor = 1.0f;
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  float yarn_log_multiplier = 0.0f;
  RopeFactorTensors factors = RopeFactorTensors::kNone;

  // LongRoPE: llama.cpp takes the long factors when a sequence's context (its n_ctx_seq) is
  // longer than the original context. Inferno's equivalent is the context a sequence's KV
  // cache is sized for (--ctx-size, capped to the training context), not the prompt length.
  bool UseLongFactors(int n_ctx) const { return n_ctx > n_ctx_orig; }

  // "yarn, factor 16, original context 4096, beta fast 32 / slow 1, log multiplier 1": the
  // type and the numbers that matter for it (the attention factor when it is not 1, as the
  // kernel is handed it), for `inferno inspect`.
  std::string Describe() const;

  // Kernel parameters; freq_factors (the bound factor tensor, or null) is the caller's.
  blocks::RopeParams Params(int n_rot, bool neox, const float* freq_factors) const;
};

// Reads the rope keys of `arch` (general.architecture) and checks the factor tensors the
// family uses (present in pairs, n_rot/2 float values). n_ctx_train: <arch>.context_length.
Result<RopeScaling> ReadRopeScaling(const gguf::File& file, std::string_view arch, int n_ctx_train,
                                    int n_rot, const RopeFamilyKeys& keys);

}  // namespace inferno
