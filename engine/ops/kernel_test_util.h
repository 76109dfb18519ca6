// Random test data for the kernel tests (vec_dot_test.cc, matmul_test.cc).
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include "engine/ops/cpu_features.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quantize.h"

namespace inferno::ops::testing {

inline constexpr DType kWeightTypes[] = {
    DType::kF32,   DType::kF16,     DType::kBF16,  DType::kQ4_0,   DType::kQ4_1,
    DType::kQ5_0,  DType::kQ5_1,    DType::kQ8_0,  DType::kQ2_K,   DType::kQ3_K,
    DType::kQ4_K,  DType::kQ5_K,    DType::kQ6_K,  DType::kIQ4_NL, DType::kIQ4_XS,
    DType::kMXFP4, DType::kIQ3_XXS, DType::kIQ3_S, DType::kIQ2_S};

// The SIMD levels whose kernels are compared with scalar, where the CPU has them (Supports):
// x86's on x86, ARM64's on ARM64 (under qemu: `make test-arm64` runs CPU models of each).
inline constexpr Isa kSimdIsas[] = {Isa::kAvx2, Isa::kAvx512, Isa::kNeon, Isa::kNeonDotprod};

// Offsets of the F16 scale fields in a block, which random bytes could turn into inf/NaN.
inline std::vector<size_t> HalfFields(DType t) {
  switch (t) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kIQ3_XXS:
    case DType::kIQ3_S:
    case DType::kIQ2_S:
      return {0};
    case DType::kMXFP4:
      return {0};  // the E8M0 byte and the first quant byte: RandomRow makes both sane
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ2_K:
      return {80, 82};
    case DType::kQ3_K:
      return {108};
    case DType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

// Random weights of type t: random bytes with sane F16 scales (quantized types; every
// quant pattern, including Q8_0's -128, can occur), or random values (plain types).
inline std::vector<uint8_t> RandomRow(DType t, int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> row(RowBytes(t, n));
  std::uniform_real_distribution<float> u(-1, 1);
  if (!GetDTypeInfo(t).quantized) {
    std::vector<float> x(n);
    for (float& v : x) v = u(rng);
    QuantizeRow(t, x.data(), row.data(), n);
    return row;
  }
  for (uint8_t& b : row) b = uint8_t(rng());
  const size_t bb = GetDTypeInfo(t).block_bytes;
  for (size_t off = 0; off < row.size(); off += bb) {
    for (size_t f : HalfFields(t)) {
      const uint16_t h = F32ToF16(u(rng) * 0.01f);
      std::memcpy(row.data() + off + f, &h, 2);
    }
    // MXFP4's scale is a power of two, 2^(e-127): keep it near 1 (random bytes reach 2^127).
    if (t == DType::kMXFP4) row[off] = uint8_t(118 + rng() % 16);
  }
  return row;
}

inline std::vector<float> RandomFloats(int64_t n, std::mt19937& rng, float scale = 2.0f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> x(n);
  for (float& v : x) v = u(rng);
  return x;
}

// One row of type t as floats.
inline std::vector<float> Dequantized(DType t, const uint8_t* row, int n) {
  std::vector<float> out(n);
  DequantizeRow(t, row, out.data(), n);
  return out;
}

// An attention query as the key dot kernels see it: quantized to Q8_0 for quantized keys
// (llama.cpp converts it with the K type's vec_dot partner), rounded to F16 for F16 keys.
inline std::vector<float> QueryAsSeen(DType k_type, const float* q, int n) {
  const DType partner = k_type == DType::kF16 ? DType::kF16 : DType::kQ8_0;
  std::vector<uint8_t> row(RowBytes(partner, n));
  QuantizeRow(partner, q, row.data(), n);
  return Dequantized(partner, row.data(), n);
}

}  // namespace inferno::ops::testing
