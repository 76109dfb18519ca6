#include "engine/ops/cpu_features.h"

#include <algorithm>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>
#include <cstring>

namespace inferno::ops {

#if defined(__x86_64__) || defined(__i386__)
namespace {
// Reads CPUID ECX bits directly for features older compilers' __builtin_cpu_supports does
// not name (F16C: leaf 1 bit 29; AVX512-VNNI: leaf 7 bit 11). The AVX/AVX-512 checks next to
// them already cover OS support for the registers.
bool CpuidEcxBit(unsigned leaf, unsigned bit) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(leaf, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx >> bit) & 1;
}
}  // namespace
#endif

Isa DetectedIsa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && CpuidEcxBit(1, 29);
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && CpuidEcxBit(7, 11);
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

bool HasAvx512Bf16() {
#if defined(__x86_64__) || defined(__i386__)
  // CPUID leaf 7 sub-leaf 1, EAX bit 5; only meaningful where AVX-512 itself is usable.
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (DetectedIsa() != Isa::kAvx512 || !__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
      return false;
    }
    return ((eax >> 5) & 1) != 0;
  }();
  return has;
#else
  return false;
#endif
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

}  // namespace inferno::ops
