// Builds for other architectures than x86 (ARM64) leave out the *_avx2.cc / *_avx512.cc files
// (CMakeLists.txt), but the dispatch code and the kernel tests still name their entry points.
// Here the tables are empty (nullptr or no kernels) and the kernels abort: IsaAvailable() is
// false for the x86 levels on these machines, so nothing reaches them.
#include <cstdlib>

#include "engine/ops/attention_f16.h"
#include "engine/ops/attention_f32.h"
#include "engine/ops/attention_kv.h"
#include "engine/ops/attention_online.h"
#include "engine/ops/axpy_f16.h"
#include "engine/ops/f16_row.h"
#include "engine/ops/quantize_activations.h"
#include "engine/ops/r4.h"
#include "engine/ops/vec_dot.h"
#include "engine/ops/vec_dot_iq2.h"

namespace inferno::ops {

#define INFERNO_NO_TABLE(Ret, Name, Arg) \
  Ret Name(Arg) { return {}; }
INFERNO_NO_TABLE(VecDotFn, Avx2VecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx512VecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx2KQuantVecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx512KQuantVecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx2IQuantVecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx512IQuantVecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx2IQ3VecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx512IQ3VecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx2IQ2VecDot, DType)
INFERNO_NO_TABLE(VecDotFn, Avx512IQ2VecDot, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx512VecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx2VecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx2KQuantVecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx2IQuantVecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx512KQuantVecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx512IQuantVecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx512IQ3VecDot4, DType)
INFERNO_NO_TABLE(VecDot4Fn, Avx512IQ2VecDot4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx512Gemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx2Gemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx2KQuantGemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx2IQuantGemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx512KQuantGemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx512IQuantGemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx512IQ3Gemm4x4, DType)
INFERNO_NO_TABLE(Gemm4x4Fn, Avx512IQ2Gemm4x4, DType)
INFERNO_NO_TABLE(AxpyRowsFn, Avx2AxpyRows, DType)
INFERNO_NO_TABLE(AxpyRowsFn, Avx512AxpyRows, DType)
INFERNO_NO_TABLE(QuantizeActivationsFn, Avx512QuantizeActivations, DType)
INFERNO_NO_TABLE(QuantizeActivationsFn, Avx2QuantizeActivations, DType)
INFERNO_NO_TABLE(R4Kernels, Avx512R4Kernels, WeightLayout)
INFERNO_NO_TABLE(R4Kernels, Avx2R4Kernels, WeightLayout)
INFERNO_NO_TABLE(R4Kernels, Avx512KQuantR4Kernels, WeightLayout)
#undef INFERNO_NO_TABLE

void AttentionF16Avx2(const AttentionF16Args&) { std::abort(); }
void AttentionF16Avx512(const AttentionF16Args&) { std::abort(); }
void ScoresF16Avx2(const AttentionF16Args&, const float*, size_t, float*, size_t) { std::abort(); }
void ScoresF16Avx512(const AttentionF16Args&, const float*, size_t, float*, size_t) {
  std::abort();
}
void AddValuesF16Avx2(const AttentionF16Args&, const float*, size_t, float*) { std::abort(); }
void AddValuesF16Avx512(const AttentionF16Args&, const float*, size_t, float*) { std::abort(); }
void ExpNonPositiveAvx2(const float*, float*, int64_t) { std::abort(); }
void ExpNonPositiveAvx512(const float*, float*, int64_t) { std::abort(); }
void AxpyF16Avx2(int64_t, float, const uint16_t*, float*) { std::abort(); }
void AxpyF16Avx512(int64_t, float, const uint16_t*, float*) { std::abort(); }
void F32ToF16RowAvx2(const float*, uint16_t*, int64_t) { std::abort(); }
void GemmF32Avx512(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*,
                   int64_t) {
  std::abort();
}
double ExpShiftSumAvx512(float*, int64_t, float) { std::abort(); }
float ScaleMaxAvx512(float*, int64_t, float) { std::abort(); }

}  // namespace inferno::ops
