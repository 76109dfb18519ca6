#include "engine/model/pooling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace inferno {
namespace {

// Three tokens of a 2-dimensional model.
const std::vector<float> kStates = {1, 2, 3, 4, 8, -3};

TEST(PoolStates, MeanAveragesEveryToken) {
  std::vector<float> out(2);
  PoolStates(Pooling::kMean, kStates.data(), 3, out);
  EXPECT_FLOAT_EQ(out[0], 4.0f);
  EXPECT_FLOAT_EQ(out[1], 1.0f);
}

TEST(PoolStates, ClsTakesTheFirstAndLastTheLastToken) {
  std::vector<float> out(2);
  PoolStates(Pooling::kCls, kStates.data(), 3, out);
  EXPECT_EQ(out, (std::vector<float>{1, 2}));
  PoolStates(Pooling::kLast, kStates.data(), 3, out);
  EXPECT_EQ(out, (std::vector<float>{8, -3}));
}

TEST(L2Normalize, ScalesToUnitLengthAndLeavesZeroAlone) {
  std::vector<float> v = {3, -4};
  L2Normalize(v);
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_FLOAT_EQ(v[1], -0.8f);
  std::vector<float> zero = {0, 0};
  L2Normalize(zero);
  EXPECT_EQ(zero, (std::vector<float>{0, 0}));
}

TEST(ParsePooling, AcceptsLlamaCppNamesAndNamesTheChoicesOtherwise) {
  EXPECT_EQ(*ParsePooling("mean"), Pooling::kMean);
  EXPECT_EQ(*ParsePooling("cls"), Pooling::kCls);
  EXPECT_EQ(*ParsePooling("last"), Pooling::kLast);
  Result<Pooling> bad = ParsePooling("max");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("mean, cls, last"), std::string::npos);
  EXPECT_FALSE(ParsePooling("rank").ok());
}

TEST(EffectivePooling, OverrideWinsNoneMeansMeanRankIsRefused) {
  EXPECT_EQ(*EffectivePooling(Pooling::kLast, std::nullopt), Pooling::kLast);
  EXPECT_EQ(*EffectivePooling(Pooling::kLast, Pooling::kCls), Pooling::kCls);
  EXPECT_EQ(*EffectivePooling(Pooling::kNone, std::nullopt), Pooling::kMean);
  EXPECT_FALSE(EffectivePooling(Pooling::kRank, std::nullopt).ok());
  EXPECT_EQ(*EffectivePooling(Pooling::kRank, Pooling::kMean), Pooling::kMean);
}

}  // namespace
}  // namespace inferno
