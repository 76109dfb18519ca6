#include "engine/ops/hadamard.h"

#include <cmath>

namespace inferno::ops {

void Hadamard(float* x, int n) {
  const float scale = 1.0f / std::sqrt(float(n));
  for (int j = 0; j < n; ++j) x[j] *= scale;
  for (int len = 1; len < n; len *= 2) {
    for (int i = 0; i < n; i += 2 * len) {
      for (int j = i; j < i + len; ++j) {
        const float u = x[j], v = x[j + len];
        x[j] = u + v;
        x[j + len] = u - v;
      }
    }
  }
}

void HadamardChunks(float* x, int64_t count, int n) {
  for (int64_t i = 0; i + n <= count; i += n) Hadamard(x + i, n);
}

}  // namespace inferno::ops
