// The safetensors reader on valid files of every float dtype and on damaged ones: every
// truncation is an error, and thousands of random byte flips in the header give either a
// valid file whose tensors lie inside it or a clean error (run under ASan by `make test-asan`).
#include "engine/convert/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/convert/hf_export.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() /
             ("inferno-st-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".safetensors"))
                .string();
  }
  void TearDown() override { fs::remove(path_); }
  std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& bytes) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }
  std::string path_;
};

const std::vector<HfTensor> kTensors = {
    {"a.weight", {2, 3}, {1, -2, 3.5f, 0, 0.25f, -1e-3f}},
    {"b.bias", {4}, {0.5f, 1.5f, -2.5f, 3}},
    {"c", {1, 1, 2}, {7, 8}},
};

TEST_F(SafetensorsTest, ReadsEveryFloatDtype) {
  for (const char* dtype : {"F32", "F16", "BF16"}) {
    SCOPED_TRACE(dtype);
    ASSERT_TRUE(WriteSafetensors(path_, kTensors, dtype).ok());
    auto f = SafetensorsFile::Open(path_);
    ASSERT_TRUE(f.ok()) << f.status().message();
    ASSERT_EQ((*f)->tensors().size(), 3u);
    for (const HfTensor& want : kTensors) {
      const StTensor* t = (*f)->Find(want.name);
      ASSERT_NE(t, nullptr);
      EXPECT_EQ(t->shape, want.shape);
      EXPECT_EQ(t->dtype_name, dtype);
      std::vector<float> got(t->n_elements);
      ASSERT_TRUE(TensorToFloat(path_, *t, got.data()).ok());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_NEAR(got[i], want.data[i], std::fabs(want.data[i]) * 1e-2 + 1e-6);
      }
    }
  }
}

TEST_F(SafetensorsTest, IntegerTensorsAreListedButNotConverted) {
  const std::string header = R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
  std::string bytes(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  Write(bytes + header + std::string(16, '\0'));
  auto f = SafetensorsFile::Open(path_);
  ASSERT_TRUE(f.ok()) << f.status().message();
  std::vector<float> out(2);
  const Status st = TensorToFloat(path_, (*f)->tensors()[0], out.data());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("dtype I64 is not supported"), std::string::npos);
}

TEST_F(SafetensorsTest, EveryTruncationIsACleanError) {
  ASSERT_TRUE(WriteSafetensors(path_, kTensors, "F32").ok());
  const std::string good = Read();
  for (size_t n = 0; n < good.size(); ++n) {
    Write(good.substr(0, n));
    auto f = SafetensorsFile::Open(path_);
    ASSERT_FALSE(f.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_NE(f.status().message().find(path_), std::string::npos);
  }
}

TEST_F(SafetensorsTest, RandomHeaderDamageNeverEscapesTheFile) {
  ASSERT_TRUE(WriteSafetensors(path_, kTensors, "BF16").ok());
  const std::string good = Read();
  uint64_t header_len;
  std::memcpy(&header_len, good.data(), 8);
  std::mt19937 rng(42);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bad = good;
    const int flips = 1 + int(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const size_t at = rng() % (8 + header_len);
      bad[at] = char(rng() % 2 ? rng() % 256 : "0123456789[]{}\",:-"[rng() % 18]);
    }
    Write(bad);
    auto f = SafetensorsFile::Open(path_);
    if (!f.ok()) continue;
    ++accepted;
    for (const StTensor& t : (*f)->tensors()) {
      if (t.dtype == StDType::kOther) continue;
      std::vector<float> v(size_t(t.n_elements));
      ASSERT_TRUE(TensorToFloat(path_, t, v.data()).ok());  // reads stay inside the mapping
    }
  }
  EXPECT_LT(accepted, 3000);
}

}  // namespace
}  // namespace inferno::convert
