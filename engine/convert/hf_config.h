// A Hugging Face config.json read for conversion: which family the checkpoint is (the
// families' own declarations, engine/model/hf_conversion.h), the hyper-parameters every family
// shares, its RoPE scaling and the family's own keys; and their GGUF metadata.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/family.h"
#include "engine/util/status.h"

namespace inferno::convert {

// config.json's rope_scaling / rope_parameters, as far as the GGUF carries it.
struct HfRope {
  std::string type;  // "", "linear", "llama3", "yarn"
  double factor = 1;
  double low_freq_factor = 1, high_freq_factor = 4;  // llama3
  int64_t orig_ctx = 8192;                           // llama3, yarn
  // YaRN keys written only when the config gives them.
  std::optional<double> ext_factor, attn_factor, beta_fast, beta_slow;
};

struct HParams {
  const Family* family = nullptr;
  const HfConversion* hf = nullptr;
  std::string arch;  // GGUF architecture name
  int64_t n_embd = 0, n_layer = 0, n_ff = 0, n_head = 0, n_head_kv = 0, head_dim = 0;
  int64_t n_ctx = 0, n_vocab = 0, rope_dim = 0;
  int64_t n_expert = 0, n_ff_exp = 0;  // from the family's expert_count and
                                       // expert_feed_forward_length keys
  double eps = 1e-6, rope_theta = 10000;
  bool tied = false;
  bool explicit_head_dim = false;
  HfRope rope;
  std::vector<std::pair<const HfKey*, double>> keys;  // the family's keys present, in order
};

// The family, hyper-parameters and keys of `root` (config.json, read from `file`).
Result<HParams> ReadHParams(const boost::json::object& root, const std::string& file);

// The size a symbolic dimension stands for.
int64_t DimSize(const HParams& h, HfDim d);

// Llama 3's per-pair frequency divisors (rope_freqs.weight).
std::vector<float> Llama3RopeFactors(const HParams& h);

// The `<arch>.*` metadata.
void WriteArchMetadata(const HParams& h, gguf::Writer& w);

}  // namespace inferno::convert
