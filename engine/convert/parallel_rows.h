// Row-parallel loops for conversion: quantizing a large matrix is independent per row, and
// K-quant scale searches make it compute-bound, so rows are spread over all cores.
#pragma once

#include <cstdint>
#include <functional>

namespace inferno::convert {

// Calls fn(begin, end) on disjoint row ranges covering [0, rows), in parallel when the
// matrix is large enough to be worth threads.
void ParallelRows(int64_t rows, int64_t cols, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace inferno::convert
