// The Gated DeltaNet token mixer of hybrid linear-attention families (Qwen3.5): instead of
// attending over a KV cache, each layer keeps a recurrent state per sequence (the KV cache's
// RecurrentState, engine/runtime/kv_cache.h) and updates it token by token.
//
// For each token, with n the normalised input:
//   u = silu(causal_conv1d(Wqkv·n))  split into q, k (n_k_heads) and v (n_v_heads) heads
//   q, k = l2norm(q), l2norm(k) per head; beta = sigmoid(Wbeta·n)
//   g = softplus(Walpha·n + dt_bias) * a          (a = -exp(A_log), so exp(g) is a decay)
//   per value head h, with its key head h % n_k_heads (Qwen3.5's tiling) and state S [k][v]:
//     S = exp(g) S;  S += k ⊗ beta (v - Sᵀk);  o = Sᵀq / sqrt(head_dim)
//   out = Wout · (rmsnorm(o) * silu(Wgate·n)) per head
// as llama.cpp's ggml_gated_delta_net and ggml_ssm_conv compute it (the per-token recurrence,
// not the chunked form).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ops/matmul.h"

namespace inferno {

// The sizes of a Gated DeltaNet layer (GGUF ssm.* keys).
struct DeltaNetDims {
  int conv_kernel = 0;  // ssm.conv_kernel: taps of the causal convolution
  int head_dim = 0;     // ssm.state_size: size of a key and of a value head
  int n_k_heads = 0;    // ssm.group_count
  int n_v_heads = 0;    // ssm.time_step_rank; a multiple of n_k_heads

  int64_t key_dim() const { return int64_t{n_k_heads} * head_dim; }
  int64_t value_dim() const { return int64_t{n_v_heads} * head_dim; }
  int64_t conv_dim() const { return 2 * key_dim() + value_dim(); }  // q | k | v channels
  // Floats of one sequence's state: the convolution's last conv_kernel-1 inputs per channel,
  // and a head_dim x head_dim matrix per value head.
  int64_t conv_state_floats() const { return int64_t{conv_kernel - 1} * conv_dim(); }
  int64_t ssm_state_floats() const { return int64_t{n_v_heads} * head_dim * head_dim; }
};

struct DeltaNetWeights {
  ops::WeightMatrix qkv;       // attn_qkv [n_embd -> conv_dim]
  ops::WeightMatrix gate;      // attn_gate (z) [n_embd -> value_dim]
  ops::WeightMatrix alpha;     // ssm_alpha [n_embd -> n_v_heads]
  ops::WeightMatrix beta;      // ssm_beta [n_embd -> n_v_heads]
  ops::WeightMatrix out;       // ssm_out [value_dim -> n_embd]
  std::vector<float> conv;     // ssm_conv1d [conv_dim][conv_kernel]
  std::vector<float> dt_bias;  // ssm_dt.bias [n_v_heads]
  std::vector<float> a;        // ssm_a [n_v_heads] = -exp(A_log)
  std::vector<float> norm;     // ssm_norm [head_dim]
};

// Activations of one batch, grown on first use to the largest batch seen.
struct DeltaNetScratch {
  std::vector<float> qkv;        // [T][conv_dim] projection, then the convolution's output
  std::vector<float> z;          // [T][value_dim]
  std::vector<float> g;          // [T][n_v_heads]: alpha, then the log-decay g
  std::vector<float> beta;       // [T][n_v_heads]
  std::vector<float> out;        // [T][value_dim]
  std::vector<uint8_t> restart;  // [T]: the token starts its sequence's state afresh
  void Reserve(const DeltaNetDims& d, int64_t n_tokens);
};

struct LayerContext;

// The token mixer of a linear-attention layer: from the normalised input ctx.s.xb to
// ctx.s.proj (Wout's output, before the residual add), updating the state of each token's
// sequence in its cache. A sequence's tokens must come in order, continuing where its state
// stopped or restarting at position 0; anything else is a caller's bug and aborts.
void DeltaNetMix(LayerContext& ctx, const DeltaNetDims& d, const DeltaNetWeights& w);

}  // namespace inferno
