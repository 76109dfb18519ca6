// Which SIMD level the kernels may use, decided once at startup from the CPU (and the
// INFERNO_ISA environment variable, which can only lower it: scalar | avx2 | avx512 on x86,
// scalar | neon | dotprod | i8mm on ARM64).
#pragma once

namespace inferno::ops {

// Two families of levels, each ordered: x86 (AVX2 < AVX-512) and ARM64 (NEON < NEON with the
// int8 dot product < that and the int8 matrix multiply). kScalar is below both. Compare levels
// with Supports(), never with < or >= (an ARM level is not "above" an x86 one).
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3, kNeonDotprod = 4, kNeonI8mm = 5 };

// Best level this CPU supports (AVX-512 here means F, BW, VL, DQ and VNNI together; on ARM64
// kNeonDotprod means SDOT/UDOT (FEAT_DotProd) and kNeonI8mm adds SMMLA/USDOT (FEAT_I8MM)).
Isa DetectedIsa();
// Level in use: DetectedIsa() lowered by INFERNO_ISA if set.
Isa ActiveIsa();
const char* IsaName(Isa isa);
// Whether a CPU at level `have` can run kernels written for `want`: the same family at or
// below it, or scalar.
bool Supports(Isa have, Isa want);
// The next level down in isa's family (kScalar stays kScalar): where a kernel table without an
// entry for a type falls back to.
Isa LowerIsa(Isa isa);
// Whether the AVX-512 BF16 dot instruction (vdpbf16ps) exists; the kAvx512 level does not
// imply it (Ice Lake has VNNI without it), so its kernels check this too.
bool HasAvx512Bf16();

}  // namespace inferno::ops
