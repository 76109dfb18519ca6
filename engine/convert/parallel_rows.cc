#include "engine/convert/parallel_rows.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace inferno::convert {

void ParallelRows(int64_t rows, int64_t cols, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t hw = std::max(1u, std::thread::hardware_concurrency());
  // Below ~1M elements the thread start-up costs more than it saves.
  const int64_t n = std::min<int64_t>(hw, std::max<int64_t>(1, rows * cols / (1 << 20)));
  if (n <= 1 || rows < 2) {
    fn(0, rows);
    return;
  }
  std::vector<std::thread> threads;
  const int64_t per = (rows + n - 1) / n;
  for (int64_t b = 0; b < rows; b += per) {
    threads.emplace_back(fn, b, std::min(rows, b + per));
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace inferno::convert
