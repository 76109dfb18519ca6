// Model weights bound to the mapped GGUF file: matrices stay zero-copy in the mapping,
// small vectors (norm weights, biases, RoPE factors) are converted to float once at load.
#pragma once

#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/model/moe.h"
#include "engine/model/repack_matrices.h"
#include "engine/ops/matmul.h"
#include "engine/ops/repack.h"
#include "engine/util/status.h"

namespace inferno {

struct LayerWeights {
  std::vector<float> attn_norm;
  std::vector<float> ffn_norm;
  ops::WeightMatrix wq, wk, wv;  // separate projections (llama, qwen2, gemma3)
  ops::WeightMatrix wqkv;        // fused projection (phi3): rows = q | k | v
  ops::WeightMatrix wo;
  std::vector<float> bq, bk, bv;                     // qwen2 biases
  std::vector<float> bo;                             // attention output bias (gpt-oss)
  std::vector<float> attn_sinks;                     // per-head sink logits (gpt-oss)
  std::vector<float> q_norm, k_norm;                 // gemma3 per-head RMSNorm
  std::vector<float> post_attn_norm, post_ffn_norm;  // gemma3 sandwich norms
  ops::WeightMatrix w_gate, w_up, w_down;            // phi3: w_up rows = gate | up, no w_gate
  std::vector<float> b_up, b_down;                   // feed-forward biases (bert)
  // BERT's post-norm: LayerNorm (weight, bias) of the residual after attention and after the
  // feed-forward.
  std::vector<float> attn_out_norm, attn_out_norm_b, layer_out_norm, layer_out_norm_b;
  MoeWeights moe;             // mixture-of-experts layers (qwen3moe)
  DeltaNetWeights delta_net;  // linear-attention layers (qwen35)
};

struct Weights {
  ops::WeightMatrix token_embd;  // [n_vocab rows][n_embd]
  ops::WeightMatrix output;      // token_embd when tied
  std::vector<float> output_norm;
  // Encoders (bert): learned absolute positions [n_ctx_train rows], token types [n_types rows]
  // (read by row, like token_embd) and the LayerNorm of the summed input embeddings.
  ops::WeightMatrix position_embd, token_types;
  std::vector<float> token_embd_norm, token_embd_norm_b;
  // RoPE per-pair frequency divisors (config.rope.factors says which are bound): Llama 3.x
  // rope_freqs, or Phi-3 LongRoPE's pair, chosen per context size (RopeFactorsFor).
  std::vector<float> rope_freqs;
  std::vector<float> rope_long, rope_short;
  std::vector<LayerWeights> layers;
  // Copies of matrices in a faster layout for this CPU (ops::ShouldRepack); the matrices
  // above then point here instead of into the file. Fresh memory or the mapping of the repack
  // cache's entry (engine/model/repack_cache.h); repack says which.
  RepackedBytes repacked;
  RepackInfo repack;
};

// Binds every tensor the family declares (engine/model/tensor_binder.h). Matrices the active
// kernels multiply faster in another layout are repacked (token_embd, read by row
// for the embedding lookup, stays in the file).
Result<Weights> BindWeights(const gguf::File& file, const ModelConfig& config);

}  // namespace inferno
