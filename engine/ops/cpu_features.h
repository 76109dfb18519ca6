// Which SIMD level the kernels may use, decided once at startup from the CPU (and the
// INFERNO_ISA environment variable, which can only lower it: scalar | avx2 | avx512).
#pragma once

namespace inferno::ops {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Best level this CPU supports (AVX-512 here means F, BW, VL, DQ and VNNI together).
Isa DetectedIsa();
// Level in use: DetectedIsa() lowered by INFERNO_ISA if set.
Isa ActiveIsa();
const char* IsaName(Isa isa);
// Whether the AVX-512 BF16 dot instruction (vdpbf16ps) exists; the kAvx512 level does not
// imply it (Ice Lake has VNNI without it), so its kernels check this too.
bool HasAvx512Bf16();

}  // namespace inferno::ops
