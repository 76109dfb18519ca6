// Mixture of experts: the feed-forward block of MoE families (qwen3moe, gpt-oss), called by
// their layer functions in place of the dense SwiGLU.
//
//   logits = Wrouter · n (+ bias)              F32, one row per expert
//   chosen = top-k experts, weights w_j        (gating: see MoeGating)
//   out    = sum_j w_j · Wdown_j · act(Wgate_j · n, Wup_j · n)
//
// Experts live in 3-D GGUF tensors [cols, rows, n_expert]: expert e is the 2-D matrix at
// data + e * rows * row_bytes, so each one is an ordinary ops::WeightMatrix and goes through
// the same MatMul (and activation quantization) as the dense path. A prompt batch is grouped
// by expert: the rows routed to one expert are gathered and multiplied as one batch, so each
// expert's weights are read once per batch; a decode step reads only its k chosen experts.
// The batch is quantized once and each expert gathers its quantized rows. When there are
// enough experts to go round, each thread takes whole experts (one fork/join per layer, not
// five per expert); an expert with more than a thread's share of the rows has its matrices
// split across the threads instead. Every output row is computed by the same kernel either
// way, so the results do not depend on the thread count.
// Numerics follow llama.cpp's build_moe_ffn: F32 router logits, argsort top-k, per-slot
// weighting and the slots summed in rank order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/capture_hook.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/status.h"

namespace inferno {

// A 3-D tensor viewed as one weight matrix per expert, each `rows` x `cols`.
struct ExpertMatrices {
  std::vector<ops::WeightMatrix> experts;

  int64_t n_expert() const { return int64_t(experts.size()); }
  bool empty() const { return experts.empty(); }
  const ops::WeightMatrix& operator[](int64_t e) const { return experts[size_t(e)]; }
};

// Views tensor `t` (GGUF shape [cols, rows, n_expert]) as n_expert matrices. Errors name
// `file` and the tensor and say what was expected: not 3-D, a wrong expert count, or a
// per-expert shape other than rows x cols.
Result<ExpertMatrices> ViewExperts(const std::string& file, const gguf::TensorInfo& t, int64_t cols,
                                   int64_t rows, int64_t n_expert);

// One layer's MoE tensors, declared by DeclareMoe (engine/model/tensor_binder.h).
struct MoeWeights {
  ops::WeightMatrix router;        // ffn_gate_inp.weight: n_expert rows of n_embd
  std::vector<float> router_bias;  // ffn_gate_inp.bias [n_expert] (gpt-oss), or empty
  ExpertMatrices gate, up;         // ffn_{gate,up}_exps.weight: n_ff rows of n_embd
  ExpertMatrices down;             // ffn_down_exps.weight: n_embd rows of n_ff
  std::vector<float> gate_bias;    // ffn_gate_exps.bias [n_expert][n_ff], or empty
  std::vector<float> up_bias;      // ffn_up_exps.bias [n_expert][n_ff], or empty
  std::vector<float> down_bias;    // ffn_down_exps.bias [n_expert][n_embd], or empty
};

// Every matrix of `w` (router and each expert slice), for the binder's repacking pass
// (RepackMatrices in engine/model/repack_matrices.h).
void MoeMatrices(MoeWeights& w, std::vector<ops::WeightMatrix*>* out);

enum class MoeGating {
  kSoftmax,        // softmax over all experts, then top-k of the probabilities (qwen3moe)
  kSoftmaxWeight,  // top-k of the logits, then softmax over the k chosen (gpt-oss)
  kSigmoid,        // sigmoid of each logit, then top-k
};

enum class MoeActivation {
  kSwiGlu,     // silu(gate) * up
  kSwiGluOai,  // gpt-oss: g = min(gate, limit), u = clamp(up, ±limit),
               // g * sigmoid(alpha * g) * (u + 1)
};

struct MoeParams {
  int n_expert = 0;
  int n_expert_used = 0;
  MoeGating gating = MoeGating::kSoftmax;
  bool norm_weights = false;  // divide the chosen weights by their sum (qwen3moe: true)
  float weights_scale = 0;    // multiplies the chosen weights unless 0 or 1
  MoeActivation activation = MoeActivation::kSwiGlu;
  float oai_alpha = 1.702f;  // llama.cpp's constants for gpt-oss
  float oai_limit = 7.0f;
};

// One expert's work space. MoeFfn keeps one per thread: during a prompt batch each thread
// takes whole experts, one after the other.
struct MoeExpertScratch {
  std::vector<int32_t> tokens;        // the batch rows routed to the expert, in token order
  std::vector<float> gate, up;        // [rows][n_ff]
  std::vector<float> down;            // [rows][n_embd]
  ops::Activations act_gate, act_up;  // the rows' quantized inputs (act_up: up's own type)
  ops::Activations act_mid;           // quantized hidden activations
};

// Work space of MoeFfn. Grows on first use to the largest batch seen, then stays.
struct MoeScratch {
  std::vector<float> logits;     // [T][n_expert]
  std::vector<int32_t> ids;      // [T][k] chosen experts, by rank
  std::vector<float> weights;    // [T][k] their weights
  std::vector<int32_t> offsets;  // [n_expert + 1] start of each expert's rows in `rows`
  std::vector<int32_t> rows;     // slots t * k + j grouped by expert, in token order
  std::vector<int32_t> queue;    // the experts that threads take whole, most rows first
  std::vector<float> slots;      // weighted expert outputs [T][k][n_embd]
  std::vector<float> probs;      // one token's selection scores [n_expert]
  std::vector<int32_t> order;    // one token's expert indices while sorting
  ops::Activations act_router;   // the router's input
  ops::Activations batch_gate;   // the whole batch quantized once for the gate matrices
  ops::Activations batch_up;     // ... and for the up matrices when their type differs
  std::vector<MoeExpertScratch> per_thread;
};

// Hands the router's choice to the capture hooks (CaptureName::kRouter).
struct MoeCapture {
  int layer = 0;
  std::span<CaptureHook* const> hooks;  // one per token, null for tokens nobody probes
  const int32_t* positions = nullptr;   // [T] each token's position
};

// Chooses each token's experts from logits[T][n_expert] (router output, biases added):
// ids[T][k] in rank order (as llama.cpp's argsort) and their final weights[T][k].
void RouteTokens(const MoeParams& p, const float* logits, int64_t T, int32_t* ids, float* weights,
                 MoeScratch& scratch);

// The MoE feed-forward block: out[T][n_embd] = the experts' weighted sum for the normed
// input xb[T][n_embd]. `capture` may be null.
void MoeFfn(ThreadPool& pool, const MoeParams& p, const MoeWeights& w, const float* xb, int64_t T,
            float* out, MoeScratch& scratch, const MoeCapture* capture = nullptr);

}  // namespace inferno
