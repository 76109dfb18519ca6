// The capture hook: how probes see inside the forward pass, in the spirit of llama.cpp's graph
// callback cb(cur, name, il). The pass names a few points; at each, for every batch row that
// has a hook, it asks Wants(name, layer) and only then does the work of handing the tensor
// over. With no hooks passed (the default) the pass never calls anything, so probes cost
// nothing when off, and attention weights are only materialised where a hook asked for them.
//
// The points, per batch row (one token at `position`), in the order the pass reaches them:
//
//   name          layer  shape                    handed over by
//   attn_weights  0..    [n_head][position + 1]   AttentionRows(): the attention kernel writes
//                                                 each head's softmax weights over positions
//                                                 0..position where the hook says (positions
//                                                 before a sliding window are not written)
//   router        0..    [n_expert_used] x 2      Router(): the experts an MoE layer chose for
//                                                 the token, by rank, and their weights (after
//                                                 normalisation and scaling: what multiplies
//                                                 each expert's output)
//   l_out         0..    [n_embd]                 Tensor(): the residual stream after the layer
//                                                 (the logit lens reads it)
//
// Hooks are called on the thread that runs the forward pass, never from the pool's workers
// (the kernel's writes into attention rows happen there, into the buffers already handed out).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/model/blocks.h"

namespace inferno {

enum class CaptureName : uint8_t {
  kAttnWeights,  // "attn_weights"
  kLayerOut,     // "l_out"
  kRouter,       // "router" (MoE layers only)
};

// The name as written above (for logs and tests).
constexpr std::string_view ToString(CaptureName name) {
  switch (name) {
    case CaptureName::kAttnWeights:
      return "attn_weights";
    case CaptureName::kLayerOut:
      return "l_out";
    case CaptureName::kRouter:
      return "router";
  }
  return "?";
}

// Implemented by whatever records probes (engine/runtime/probes.h), one object per batch row
// that is probed; the hook owns the buffers it hands out.
class CaptureHook {
 public:
  virtual ~CaptureHook() = default;

  // Whether this row's `name` at `layer` is wanted. Asked before each of the calls below.
  virtual bool Wants(CaptureName name, int layer) const = 0;

  // A tensor the pass holds anyway (l_out): copy what is needed, the view dies after the call.
  virtual void Tensor(CaptureName name, int layer, std::span<const float> view) = 0;

  // attn_weights of `layer` for the query at `position`: where the kernel writes head h's
  // weights (see blocks::AttentionCaptureRow). Must stay valid until the layer's attention is
  // done; a null `rows` records nothing.
  virtual blocks::AttentionCaptureRow AttentionRows(int layer, int position) = 0;

  // router of an MoE `layer` for the token at `position`: the chosen experts by rank and their
  // weights (same length). Copy what is needed; the views die after the call. Hooks that never
  // want it need not override this.
  virtual void Router(int layer, int position, std::span<const int32_t> experts,
                      std::span<const float> weights) {
    (void)layer;
    (void)position;
    (void)experts;
    (void)weights;
  }
};

}  // namespace inferno
