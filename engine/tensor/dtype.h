// Element types of GGUF tensors. Numeric values are the GGUF/ggml type ids stored in files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inferno {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,  // activations only (paired with Q4_1/Q5_1 weights)
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,  // activations only (paired with K-quant weights)
  // Lattice codebooks (iq2_quants.h): 2.06, 2.31 and 1.56 bits per weight.
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,  // non-linear 4-bit codebook, blocks of 32
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,  // IQ4_NL's codebook with 6-bit sub-block scales, super-blocks of 256
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
  kMXFP4 = 39,  // OCP microscaling FP4 (E2M1 values, E8M0 block scale), blocks of 32
};

struct DTypeInfo {
  DType type;
  std::string_view name;
  int64_t block_size;  // elements per block (1 for plain types)
  size_t block_bytes;  // bytes per block
  bool quantized;
};

// Info for a known type id, or nullptr if the id is unknown to Inferno.
const DTypeInfo* FindDType(uint32_t id);
const DTypeInfo& GetDTypeInfo(DType t);

// ggml's name for a type id, also for types Inferno does not read ("IQ2_XXS"); "" if unknown.
std::string_view GgmlTypeName(uint32_t id);
// "F32, F16, Q4_0, ...": the weight types Inferno reads, for errors about the others.
std::string SupportedWeightTypes();
inline std::string_view DTypeName(DType t) { return GetDTypeInfo(t).name; }

// Bytes taken by a row of n elements; n must be a multiple of the block size.
inline size_t RowBytes(DType t, int64_t n) {
  const DTypeInfo& info = GetDTypeInfo(t);
  return static_cast<size_t>(n / info.block_size) * info.block_bytes;
}

}  // namespace inferno
