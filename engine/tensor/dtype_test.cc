#include "engine/tensor/dtype.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

TEST(DType, GgmlNamesCoverTypesWeDoNotRead) {
  EXPECT_EQ(GgmlTypeName(8), "Q8_0");
  EXPECT_EQ(GgmlTypeName(16), "IQ2_XXS");
  EXPECT_EQ(GgmlTypeName(35), "TQ2_0");
  EXPECT_EQ(GgmlTypeName(99), "");
}

TEST(DType, SupportedWeightTypesListsWeightsOnly) {
  const std::string s = SupportedWeightTypes();
  EXPECT_EQ(s.rfind("F32, F16, Q4_0", 0), 0u) << s;
  EXPECT_NE(s.find("Q6_K"), std::string::npos);
  EXPECT_NE(s.find("BF16"), std::string::npos);
  EXPECT_EQ(s.find("Q8_K"), std::string::npos);  // activations only
  EXPECT_EQ(s.find("I32"), std::string::npos);
}

}  // namespace
}  // namespace inferno
