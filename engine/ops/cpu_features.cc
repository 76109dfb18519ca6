#include "engine/ops/cpu_features.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace inferno::ops {

Isa DetectedIsa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
  if (avx512) return Isa::kAvx512;
  if (avx2) return Isa::kAvx2;
#endif
  return Isa::kScalar;
}

Isa ActiveIsa() {
  static const Isa isa = [] {
    Isa best = DetectedIsa();
    if (const char* env = std::getenv("INFERNO_ISA")) {
      Isa want = best;
      if (std::strcmp(env, "scalar") == 0) want = Isa::kScalar;
      if (std::strcmp(env, "avx2") == 0) want = Isa::kAvx2;
      if (std::strcmp(env, "avx512") == 0) want = Isa::kAvx512;
      best = std::min(best, want);
    }
    return best;
  }();
  return isa;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

}  // namespace inferno::ops
