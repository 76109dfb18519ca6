#include "engine/model/weights.h"

#include <vector>

#include "engine/model/repack_matrices.h"
#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

// Repacks every matrix the kernels prefer in another layout (a 1B model has ~100 of them, an
// MoE model one per expert and projection).
void RepackForKernels(const gguf::File& f, Weights& w) {
  // Also when the output is tied to token_embd: the embedding lookup reads a few rows per
  // token, and those fault back in from the page cache once RepackMatrices releases them.
  std::vector<ops::WeightMatrix*> all = {&w.output};
  for (LayerWeights& L : w.layers) {
    for (ops::WeightMatrix* m :
         {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) {
      all.push_back(m);
    }
    if (!L.moe.gate.empty()) MoeMatrices(L.moe, &all);
  }
  w.repack = RepackMatrices(&f, all, &w.repacked);
}

}  // namespace

Result<Weights> BindWeights(const gguf::File& f, const ModelConfig& c) {
  Weights w;
  INFERNO_RETURN_IF_ERROR(DeclareTensors(f, c, w));
  RepackForKernels(f, w);
  return w;
}

}  // namespace inferno
