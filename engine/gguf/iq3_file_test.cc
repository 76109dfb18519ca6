// GGUF files holding the grid formats IQ3_XXS, IQ3_S and IQ2_S: bad tensors are clear errors,
// and tensors llama.cpp quantized (the zoo, tools/zoo/iq3.sh) decode close to the F16 weights
// they came from, an independent check of the block layouts and codebooks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/dequant.h"

namespace inferno::gguf {
namespace {

constexpr DType kGridTypes[] = {DType::kIQ3_XXS, DType::kIQ3_S, DType::kIQ2_S};

std::vector<uint8_t> Image(DType t, std::vector<int64_t> shape) {
  Writer w;
  w.AddString("general.architecture", "llama");
  const size_t bytes = RowBytes(t, shape[0]) * size_t(shape[1]);
  w.AddTensor("blk.0.ffn_up.weight", t, std::move(shape), std::vector<uint8_t>(bytes, 0x5A));
  return w.Serialize();
}

TEST(IQ3File, OpensAndCutsAreClearErrors) {
  for (DType t : kGridTypes) {
    const std::vector<uint8_t> img = Image(t, {512, 4});
    auto ok = File::FromMemory("grid.gguf", img);
    ASSERT_TRUE(ok.ok()) << ok.status().message();
    EXPECT_EQ((*ok)->tensors()[0].type, t);
    EXPECT_EQ((*ok)->tensors()[0].bytes, 8 * GetDTypeInfo(t).block_bytes);
    // Tensor data cut short: the error names the file, the tensor and the data section.
    const std::span<const uint8_t> cut(img.data(), img.size() - 40);
    auto bad = File::FromMemory("cut.gguf", cut);
    ASSERT_FALSE(bad.ok()) << DTypeName(t);
    EXPECT_EQ(bad.status().message().rfind("cut.gguf: ", 0), 0u) << bad.status().message();
    EXPECT_NE(bad.status().message().find("blk.0.ffn_up.weight"), std::string::npos)
        << bad.status().message();
    EXPECT_NE(bad.status().message().find("extends past the end"), std::string::npos)
        << bad.status().message();
  }
}

// Rows must hold whole super-blocks of 256.
TEST(IQ3File, RowLengthNotAMultipleOf256) {
  for (DType t : kGridTypes) {
    std::vector<uint8_t> img = Image(t, {512, 1});
    // The row length is the first u64 after the name, n_dims: patch 512 to 384.
    const std::string name = "blk.0.ffn_up.weight";
    const auto at = std::search(img.begin(), img.end(), name.begin(), name.end());
    ASSERT_NE(at, img.end());
    const size_t dim0 = size_t(at - img.begin()) + name.size() + 4;
    const uint64_t cols = 384;
    std::memcpy(&img[dim0], &cols, 8);
    auto bad = File::FromMemory("odd.gguf", img);
    ASSERT_FALSE(bad.ok()) << DTypeName(t);
    EXPECT_NE(bad.status().message().find("row length 384 is not a multiple of the " +
                                          std::string(DTypeName(t)) + " block size 256"),
              std::string::npos)
        << bad.status().message();
  }
}

std::string ZooDir() {
  const char* dir = std::getenv("INFERNO_ZOO_DIR");
  return dir != nullptr ? dir : std::string(INFERNO_SOURCE_DIR) + "/build/zoo";
}

std::vector<float> Floats(const TensorInfo& t) {
  std::vector<float> v(t.n_elements);
  const size_t rb = RowBytes(t.type, t.cols());
  for (int64_t r = 0; r < t.rows(); ++r) {
    DequantizeRow(t.type, t.data + r * rb, v.data() + r * t.cols(), t.cols());
  }
  return v;
}

// Relative RMS error of llama.cpp's quantization of the llama-tiny F16 weights, decoded by us,
// per type over all tensors of that type in the zoo's grid models. A wrong sign, scale, index
// bit or grid entry decodes to errors near or above 1. Measured: IQ3_XXS 0.182, IQ3_S 0.137,
// IQ2_S 0.249 (the fixture's random weights, uniform importance); bounds a little above, and
// more bits must mean less error.
TEST(IQ3File, LlamaCppQuantizedTensorsDecodeNearTheirSource) {
  const std::string zoo = ZooDir() + "/zoo/";
  auto src = File::Open(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-F16.gguf");
  ASSERT_TRUE(src.ok()) << src.status().message();
  std::map<DType, std::pair<double, double>> err;  // type -> (Σ error², Σ source²)
  for (const char* stem : {"llama-tiny-IQ3_XXS-Q8emb", "llama-tiny-IQ3_S-Q8emb",
                           "llama-tiny-IQ2_S-pure", "llama-tiny-IQ3_XXS-pure"}) {
    auto q = File::Open(zoo + stem + ".gguf");
    if (!q.ok()) GTEST_SKIP() << "no " << stem << " in " << zoo << " (tools/zoo/iq3.sh)";
    for (const TensorInfo& t : (*q)->tensors()) {
      if (std::find(std::begin(kGridTypes), std::end(kGridTypes), t.type) == std::end(kGridTypes))
        continue;
      const TensorInfo* f = (*src)->FindTensor(t.name);
      ASSERT_NE(f, nullptr) << t.name;
      ASSERT_EQ(f->n_elements, t.n_elements);
      const std::vector<float> want = Floats(*f), got = Floats(t);
      for (size_t i = 0; i < want.size(); ++i) {
        err[t.type].first += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
        err[t.type].second += double(want[i]) * want[i];
      }
    }
  }
  const std::map<DType, double> bound = {
      {DType::kIQ3_XXS, 0.20}, {DType::kIQ3_S, 0.15}, {DType::kIQ2_S, 0.27}};
  std::map<DType, double> rel;
  for (const auto& [t, b] : bound) {
    ASSERT_TRUE(err.count(t)) << "no " << DTypeName(t) << " tensor in the zoo models";
    rel[t] = std::sqrt(err[t].first / err[t].second);
    std::printf("[iq3] %s relative rms error vs F16: %.4f\n", std::string(DTypeName(t)).c_str(),
                rel[t]);
    EXPECT_LT(rel[t], b) << DTypeName(t);
  }
  EXPECT_LT(rel[DType::kIQ3_S], rel[DType::kIQ3_XXS]);  // 3.44 vs 3.06 bits per weight
  EXPECT_LT(rel[DType::kIQ3_XXS], rel[DType::kIQ2_S]);  // vs 2.56
}

}  // namespace
}  // namespace inferno::gguf
