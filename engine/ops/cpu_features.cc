#include "engine/ops/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#if defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace inferno::ops {

namespace {

#if defined(__x86_64__) || defined(__i386__)
// Reads CPUID ECX bits directly for features older compilers' __builtin_cpu_supports does
// not name (F16C: leaf 1 bit 29; AVX512-VNNI: leaf 7 bit 11). The AVX/AVX-512 checks next to
// them already cover OS support for the registers.
bool CpuidEcxBit(unsigned leaf, unsigned bit) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(leaf, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx >> bit) & 1;
}

Isa DetectX86() {
  __builtin_cpu_init();
  const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && CpuidEcxBit(1, 29);
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && CpuidEcxBit(7, 11);
  if (avx512) return Isa::kAvx512;
  if (avx2) return Isa::kAvx2;
  return Isa::kScalar;
}
#endif

#if defined(__aarch64__)
// Advanced SIMD (NEON) is part of every ARMv8-A profile Linux and macOS run on; the int8 dot
// product and matrix multiply are optional (Cortex-A53/A72 lack both, A76/N1 have the dot
// product, Apple M2+/Neoverse V1 both), so they are asked of the kernel.
Isa DetectArm64() {
#if defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  if (!(hwcap & HWCAP_ASIMD)) return Isa::kScalar;
  const bool dotprod = (hwcap & HWCAP_ASIMDDP) != 0;
#ifdef HWCAP2_I8MM
  const bool i8mm = (hwcap2 & HWCAP2_I8MM) != 0;
#else
  const bool i8mm = false;
#endif
#elif defined(__APPLE__)
  auto sysctl_flag = [](const char* name) {
    int value = 0;
    size_t size = sizeof value;
    return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
  };
  const bool dotprod = sysctl_flag("hw.optional.arm.FEAT_DotProd");
  const bool i8mm = sysctl_flag("hw.optional.arm.FEAT_I8MM");
#else
  const bool dotprod = false, i8mm = false;
#endif
  if (dotprod && i8mm) return Isa::kNeonI8mm;
  if (dotprod) return Isa::kNeonDotprod;
  return Isa::kNeon;
}
#endif

bool IsArm(Isa isa) { return isa >= Isa::kNeon; }

}  // namespace

Isa DetectedIsa() {
#if defined(__x86_64__) || defined(__i386__)
  return DetectX86();
#elif defined(__aarch64__)
  return DetectArm64();
#else
  return Isa::kScalar;
#endif
}

bool Supports(Isa have, Isa want) {
  if (want == Isa::kScalar) return true;
  if (have == Isa::kScalar || IsArm(have) != IsArm(want)) return false;
  return int(want) <= int(have);
}

Isa LowerIsa(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return Isa::kAvx2;
    case Isa::kNeonI8mm:
      return Isa::kNeonDotprod;
    case Isa::kNeonDotprod:
      return Isa::kNeon;
    default:
      return Isa::kScalar;
  }
}

Isa ActiveIsa() {
  static const Isa isa = [] {
    const Isa best = DetectedIsa();
    if (const char* env = std::getenv("INFERNO_ISA")) {
      for (Isa want : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon, Isa::kNeonDotprod,
                       Isa::kNeonI8mm}) {
        if (std::strcmp(env, IsaName(want)) == 0 && Supports(best, want)) return want;
      }
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
    case Isa::kNeon:
      return "neon";
    case Isa::kNeonDotprod:
      return "dotprod";
    case Isa::kNeonI8mm:
      return "i8mm";
  }
  return "unknown";
}

}  // namespace inferno::ops
