#include "engine/tensor/dtype.h"

#include <cstdlib>

namespace inferno {
namespace {

constexpr DTypeInfo kTypes[] = {
    {DType::kF32, "F32", 1, 4, false},        {DType::kF16, "F16", 1, 2, false},
    {DType::kQ4_0, "Q4_0", 32, 18, true},     {DType::kQ4_1, "Q4_1", 32, 20, true},
    {DType::kQ5_0, "Q5_0", 32, 22, true},     {DType::kQ5_1, "Q5_1", 32, 24, true},
    {DType::kQ8_0, "Q8_0", 32, 34, true},     {DType::kQ8_1, "Q8_1", 32, 36, true},
    {DType::kQ2_K, "Q2_K", 256, 84, true},    {DType::kQ3_K, "Q3_K", 256, 110, true},
    {DType::kQ4_K, "Q4_K", 256, 144, true},   {DType::kQ5_K, "Q5_K", 256, 176, true},
    {DType::kQ6_K, "Q6_K", 256, 210, true},   {DType::kQ8_K, "Q8_K", 256, 292, true},
    {DType::kI8, "I8", 1, 1, false},          {DType::kI16, "I16", 1, 2, false},
    {DType::kI32, "I32", 1, 4, false},        {DType::kI64, "I64", 1, 8, false},
    {DType::kF64, "F64", 1, 8, false},        {DType::kBF16, "BF16", 1, 2, false},
    {DType::kIQ4_NL, "IQ4_NL", 32, 18, true}, {DType::kIQ4_XS, "IQ4_XS", 256, 136, true},
    {DType::kMXFP4, "MXFP4", 32, 17, true},
};

}  // namespace

const DTypeInfo* FindDType(uint32_t id) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == id) return &info;
  }
  return nullptr;
}

const DTypeInfo& GetDTypeInfo(DType t) {
  const DTypeInfo* info = FindDType(static_cast<uint32_t>(t));
  if (info == nullptr) std::abort();  // DType values only come from FindDType or literals.
  return *info;
}

}  // namespace inferno
