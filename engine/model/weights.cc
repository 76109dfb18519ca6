#include "engine/model/weights.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/model/tensor_binder.h"

namespace inferno {
namespace {

// Repacks every matrix the kernels prefer in another layout, on all cores (a 1B model has
// ~100 of them), and releases the file pages they were copied from so RSS does not count
// the weights twice.
void RepackForKernels(const gguf::File& f, Weights& w) {
  std::vector<ops::WeightMatrix*> todo;
  auto consider = [&](ops::WeightMatrix& m) {
    if (ops::ShouldRepack(m)) todo.push_back(&m);
  };
  consider(w.output);
  for (LayerWeights& L : w.layers) {
    for (ops::WeightMatrix* m :
         {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) {
      consider(*m);
    }
  }
  // One allocation for all of them: it goes on 2 MiB pages (see AlignedBytes) without
  // rounding each matrix up to a page.
  std::vector<ops::WeightMatrix> packed(todo.size());
  std::vector<size_t> offset(todo.size());
  size_t total = 0;
  for (size_t i = 0; i < todo.size(); ++i) {
    packed[i] = ops::RepackedShape(*todo[i]);
    offset[i] = total;
    total += (ops::R4Bytes(packed[i]) + 63) / 64 * 64;
  }
  w.repacked = ops::AlignedBytes(total);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < todo.size(); i = next++) {
      const ops::WeightMatrix source = *todo[i];
      packed[i].data = w.repacked.data() + offset[i];
      ops::RepackInto(source, packed[i]);
      *todo[i] = packed[i];
      // Also when the output is tied to token_embd: the embedding lookup reads a few rows per
      // token, and those fault back in from the page cache.
      f.Release(source.data, size_t(source.rows) * source.row_bytes);
    }
  };
  std::vector<std::thread> threads;
  const unsigned n =
      std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), todo.size());
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

}  // namespace

Result<Weights> BindWeights(const gguf::File& f, const ModelConfig& c) {
  Weights w;
  INFERNO_RETURN_IF_ERROR(DeclareTensors(f, c, w));
  RepackForKernels(f, w);
  return w;
}

}  // namespace inferno
