#include "engine/tensor/dtype.h"

#include <cstdlib>

namespace inferno {
namespace {

constexpr DTypeInfo kTypes[] = {
    {DType::kF32, "F32", 1, 4, false},
    {DType::kF16, "F16", 1, 2, false},
    {DType::kQ4_0, "Q4_0", 32, 18, true},
    {DType::kQ4_1, "Q4_1", 32, 20, true},
    {DType::kQ5_0, "Q5_0", 32, 22, true},
    {DType::kQ5_1, "Q5_1", 32, 24, true},
    {DType::kQ8_0, "Q8_0", 32, 34, true},
    {DType::kQ8_1, "Q8_1", 32, 36, true},
    {DType::kQ2_K, "Q2_K", 256, 84, true},
    {DType::kQ3_K, "Q3_K", 256, 110, true},
    {DType::kQ4_K, "Q4_K", 256, 144, true},
    {DType::kQ5_K, "Q5_K", 256, 176, true},
    {DType::kQ6_K, "Q6_K", 256, 210, true},
    {DType::kQ8_K, "Q8_K", 256, 292, true},
    {DType::kI8, "I8", 1, 1, false},
    {DType::kI16, "I16", 1, 2, false},
    {DType::kI32, "I32", 1, 4, false},
    {DType::kI64, "I64", 1, 8, false},
    {DType::kF64, "F64", 1, 8, false},
    {DType::kBF16, "BF16", 1, 2, false},
    {DType::kIQ4_NL, "IQ4_NL", 32, 18, true},
    {DType::kIQ4_XS, "IQ4_XS", 256, 136, true},
    {DType::kMXFP4, "MXFP4", 32, 17, true},
    {DType::kIQ2_XXS, "IQ2_XXS", 256, 66, true},
    {DType::kIQ2_XS, "IQ2_XS", 256, 74, true},
    {DType::kIQ1_S, "IQ1_S", 256, 50, true},
    {DType::kIQ3_XXS, "IQ3_XXS", 256, 98, true},
    {DType::kIQ3_S, "IQ3_S", 256, 110, true},
    {DType::kIQ2_S, "IQ2_S", 256, 82, true},
};

}  // namespace

const DTypeInfo* FindDType(uint32_t id) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == id) return &info;
  }
  return nullptr;
}

std::string_view GgmlTypeName(uint32_t id) {
  if (const DTypeInfo* info = FindDType(id)) return info->name;
  // ggml's ids of the types Inferno does not read (yet), so an error can say what the file holds.
  struct Named {
    uint32_t id;
    std::string_view name;
  };
  constexpr Named kOthers[] = {{16, "IQ2_XXS"}, {17, "IQ2_XS"}, {18, "IQ3_XXS"}, {19, "IQ1_S"},
                               {20, "IQ4_NL"},  {21, "IQ3_S"},  {22, "IQ2_S"},   {23, "IQ4_XS"},
                               {29, "IQ1_M"},   {34, "TQ1_0"},  {35, "TQ2_0"},   {39, "MXFP4"}};
  for (const Named& n : kOthers) {
    if (n.id == id) return n.name;
  }
  return "";
}

std::string SupportedWeightTypes() {
  std::string s;
  for (const DTypeInfo& info : kTypes) {
    if (info.type == DType::kQ8_1 || info.type == DType::kQ8_K) continue;  // activations only
    if (info.type >= DType::kI8 && info.type <= DType::kF64) continue;     // not weights
    s += (s.empty() ? "" : ", ") + std::string(info.name);
  }
  return s;
}

const DTypeInfo& GetDTypeInfo(DType t) {
  const DTypeInfo* info = FindDType(static_cast<uint32_t>(t));
  if (info == nullptr) std::abort();  // DType values only come from FindDType or literals.
  return *info;
}

}  // namespace inferno
