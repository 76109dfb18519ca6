#include "engine/runtime/kv_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/tensor/dequant.h"

namespace inferno {
namespace {

ModelConfig Config(int head_dim) {
  ModelConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_head_kv = 2;
  c.head_dim = c.head_dim_v = head_dim;
  return c;
}

TEST(KvCacheTypes, ParsesLlamaCppNames) {
  EXPECT_EQ(*ParseKvCacheType("q8_0"), DType::kQ8_0);
  EXPECT_EQ(*ParseKvCacheType("Q4_0"), DType::kQ4_0);
  EXPECT_EQ(*ParseKvCacheType("f16"), DType::kF16);
  const Result<DType> bad = ParseKvCacheType("q5_1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown KV cache type 'q5_1': use f16, q8_0 or q4_0");
  EXPECT_EQ(KvCacheTypeName(DType::kQ8_0), "q8_0");
}

TEST(KvCacheTypes, QuantizedTypesNeedWholeBlocksPerHead) {
  EXPECT_TRUE(CheckKvCacheTypes(Config(64), {DType::kQ4_0, DType::kQ8_0}).ok());
  const Status st = CheckKvCacheTypes(Config(48), {DType::kF16, DType::kQ8_0});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "V cache type q8_0 needs a head size that is a multiple of 32; this model's is 48");
  EXPECT_TRUE(CheckKvCacheTypes(Config(48), {}).ok());
  EXPECT_FALSE(CheckKvCacheTypes(Config(64), {DType::kQ5_0, DType::kF16}).ok());
}

// Bytes per position and layer: F16 2 per element, Q8_0 34 per 32, Q4_0 18 per 32.
TEST(KvCache, BytesFollowTheTypes) {
  const ModelConfig c = Config(64);  // k_dim = v_dim = 128
  const int n_ctx = 10;
  const KvCache f16(c, n_ctx), q8(c, n_ctx, {DType::kQ8_0, DType::kQ8_0}),
      mixed(c, n_ctx, {DType::kQ4_0, DType::kF16});
  EXPECT_EQ(f16.bytes(), size_t(2 * n_ctx * (256 + 256)));
  EXPECT_EQ(q8.bytes(), size_t(2 * n_ctx * (136 + 136)));
  EXPECT_EQ(mixed.bytes(), size_t(2 * n_ctx * (72 + 256)));
  EXPECT_EQ(mixed.k_head_bytes(), 36u);  // one head of 64: two Q4_0 blocks
  EXPECT_EQ(mixed.v_head_bytes(), 128u);
  EXPECT_EQ(KvCacheBytes(c, n_ctx, {DType::kQ4_0, DType::kF16}), mixed.bytes());
  // A shape a type cannot take is stored as F16 (the front ends report the error first).
  EXPECT_EQ(KvCache(Config(48), 4, {DType::kQ8_0, DType::kQ8_0}).types(), KvCacheTypes{});
}

TEST(KvCache, RotatesAroundQuantizedRowsOnly) {
  EXPECT_EQ(KvCache(Config(128), 4, {DType::kQ8_0, DType::kQ4_0}).k_rotation(), 128);
  EXPECT_EQ(KvCache(Config(128), 4, {DType::kQ8_0, DType::kQ4_0}).v_rotation(), 64);
  EXPECT_EQ(KvCache(Config(192), 4, {DType::kQ8_0, DType::kF16}).k_rotation(), 64);
  EXPECT_EQ(KvCache(Config(192), 4, {DType::kQ8_0, DType::kF16}).v_rotation(), 0);
  EXPECT_EQ(KvCache(Config(96), 4, {DType::kQ8_0, DType::kQ8_0}).k_rotation(), 0);
  EXPECT_EQ(KvCache(Config(128), 4).k_rotation(), 0);
}

TEST(KvCache, StoresRowsInTheirTypesAndCopiesPrefixes) {
  const ModelConfig c = Config(32);  // k_dim = 64
  KvCache a(c, 4, {DType::kQ8_0, DType::kQ4_0}), b(c, 4, {DType::kQ8_0, DType::kQ4_0});
  std::vector<float> key(64), value(64);
  for (int i = 0; i < 64; ++i) {
    key[i] = std::sin(0.3f * i);
    value[i] = 0.25f * (i % 9) - 1.0f;
  }
  a.Store(1, 2, key.data(), value.data());
  b.CopyPrefix(a, 3);
  std::vector<float> k_back(64), v_back(64);
  // Head h holds elements [32h, 32h + 32) of the row.
  for (int h = 0; h < 2; ++h) {
    DequantizeRow(DType::kQ8_0, b.k(1, h, 2), k_back.data() + 32 * h, 32);
    DequantizeRow(DType::kQ4_0, b.v(1, h, 2), v_back.data() + 32 * h, 32);
  }
  // Positions of one head follow each other: position 3 of head 0 is the next run of bytes.
  EXPECT_EQ(b.k(1, 0, 3), b.k(1, 0, 2) + b.k_head_bytes());
  for (int i = 0; i < 64; ++i) {
    EXPECT_NEAR(k_back[i], key[i], 1.0 / 127 / 2 + 1e-3) << i;  // half a Q8_0 step of 1
    EXPECT_NEAR(v_back[i], value[i], 1.0 / 8 + 1e-3) << i;      // a Q4_0 step of 1
  }
}

}  // namespace
}  // namespace inferno
