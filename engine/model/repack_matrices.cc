#include "engine/model/repack_matrices.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace inferno {

size_t RepackMatrices(const gguf::File* file, std::span<ops::WeightMatrix* const> matrices,
                      ops::AlignedBytes* storage) {
  std::vector<ops::WeightMatrix*> todo;
  for (ops::WeightMatrix* m : matrices) {
    if (ops::ShouldRepack(*m)) todo.push_back(m);
  }
  if (todo.empty()) return 0;
  // One allocation for all of them: it goes on 2 MiB pages (see AlignedBytes) without
  // rounding each matrix (a 64-expert layer has 192 small ones) up to a page.
  std::vector<ops::WeightMatrix> packed(todo.size());
  std::vector<size_t> offset(todo.size());
  size_t total = 0;
  for (size_t i = 0; i < todo.size(); ++i) {
    packed[i] = ops::RepackedShape(*todo[i]);
    offset[i] = total;
    total += (ops::R4Bytes(packed[i]) + 63) / 64 * 64;
  }
  *storage = ops::AlignedBytes(total);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < todo.size(); i = next++) {
      const ops::WeightMatrix source = *todo[i];
      packed[i].data = storage->data() + offset[i];
      ops::RepackInto(source, packed[i]);
      *todo[i] = packed[i];
      if (file != nullptr) file->Release(source.data, size_t(source.rows) * source.row_bytes);
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), todo.size());
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return todo.size();
}

}  // namespace inferno
