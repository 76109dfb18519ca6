// IQ2_XXS, IQ2_XS and IQ1_S on llama.cpp's own quantizations (tools/zoo/iq2.sh): our
// dequantization of its tensors against the F16 weights they were made from, and truncated
// tensor data, which must fail with a clear error rather than be read past the end.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/fp16.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

struct ZooModel {
  DType type;
  const char* stem;
  // Relative RMS error ‖q - x‖ / ‖x‖ of every tensor of the type. Measured on these random
  // weights: 0.343-0.344 (IQ2_XXS), 0.299-0.300 (IQ2_XS), 0.485 (IQ1_S), falling with the bit
  // width as it should. The bounds are about ±10% around that: a wrong codebook entry, sign
  // or scale rule leaves them (dropping IQ2's parity sign bit, which flips one weight in half
  // of the groups, measured 0.60).
  double min_rel_rms, max_rel_rms;
};

constexpr ZooModel kModels[] = {
    {DType::kIQ2_XXS, "llama-tiny-IQ2_XXS-Q8emb", 0.31, 0.38},
    {DType::kIQ2_XS, "llama-tiny-IQ2_XS-Q8emb", 0.27, 0.33},
    {DType::kIQ1_S, "llama-tiny-IQ1_S-Q8emb", 0.44, 0.53},
};

fs::path ZooModelPath(const ZooModel& m) {
  return fs::path(INFERNO_ZOO_DIR) / "zoo" / (std::string(m.stem) + ".gguf");
}

std::unique_ptr<gguf::File> OpenOrFail(const fs::path& path) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(path.string());
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? std::move(f).value() : nullptr;
}

// Σ (q - x)² and Σ x² over a tensor dequantized by us (q) and its F16 source (x).
void AccumulateError(const gguf::TensorInfo& q, const gguf::TensorInfo& src, double* err2,
                     double* ref2) {
  const int64_t cols = q.cols();
  const size_t row_bytes = RowBytes(q.type, cols);
  std::vector<float> row(cols);
  const auto* x = reinterpret_cast<const uint16_t*>(src.data);
  for (int64_t r = 0; r < q.rows(); ++r) {
    DequantizeRow(q.type, q.data + r * row_bytes, row.data(), cols);
    for (int64_t i = 0; i < cols; ++i) {
      const double ref = F16ToF32(x[r * cols + i]);
      *err2 += (row[i] - ref) * (row[i] - ref);
      *ref2 += ref * ref;
    }
  }
}

TEST(IQ2Zoo, DequantizedWeightsTrackTheirF16Source) {
  const fs::path f16_path = fs::path(testing::SharedDir()) / "fixtures/models/llama-tiny-F16.gguf";
  std::unique_ptr<gguf::File> f16 = OpenOrFail(f16_path);
  ASSERT_NE(f16, nullptr);
  for (const ZooModel& m : kModels) {
    if (!fs::exists(ZooModelPath(m))) GTEST_SKIP() << "no zoo: run `make zoo`";
    std::unique_ptr<gguf::File> q = OpenOrFail(ZooModelPath(m));
    ASSERT_NE(q, nullptr);
    int tensors = 0;
    for (const gguf::TensorInfo& t : q->tensors()) {
      if (t.type != m.type) continue;
      const gguf::TensorInfo* src = f16->FindTensor(t.name);
      ASSERT_NE(src, nullptr) << t.name;
      ASSERT_EQ(src->type, DType::kF16);
      ASSERT_EQ(src->shape, t.shape);
      double err2 = 0, ref2 = 0;
      AccumulateError(t, *src, &err2, &ref2);
      const double rel = std::sqrt(err2 / ref2);
      EXPECT_GE(rel, m.min_rel_rms) << m.stem << " " << t.name;
      EXPECT_LE(rel, m.max_rel_rms) << m.stem << " " << t.name;
      ++tensors;
    }
    EXPECT_GE(tensors, 8) << m.stem;  // the recipe keeps most matrices in the type
  }
}

// The file cut in the middle of its last tensor of the new type: the reader names the tensor
// and the CLI exits with an error instead of reading past the mapping.
TEST(IQ2Zoo, TruncatedTensorDataIsAClearError) {
  for (const ZooModel& m : kModels) {
    if (!fs::exists(ZooModelPath(m))) GTEST_SKIP() << "no zoo: run `make zoo`";
    std::unique_ptr<gguf::File> whole = OpenOrFail(ZooModelPath(m));
    ASSERT_NE(whole, nullptr);
    const gguf::TensorInfo* last = nullptr;
    for (const gguf::TensorInfo& t : whole->tensors()) {
      if (t.type == m.type && (last == nullptr || t.offset > last->offset)) last = &t;
    }
    ASSERT_NE(last, nullptr) << m.stem;
    const size_t cut = whole->data_offset() + last->offset + last->bytes / 2;
    std::ifstream in(ZooModelPath(m), std::ios::binary);
    std::vector<uint8_t> bytes(cut);
    in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(cut));
    ASSERT_TRUE(in.good());
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("cut.gguf", bytes);
    ASSERT_FALSE(f.ok()) << m.stem;
    EXPECT_NE(f.status().message().find(std::string(last->name)), std::string::npos)
        << f.status().message();
    EXPECT_NE(f.status().message().find("extends past the end"), std::string::npos)
        << f.status().message();

    const fs::path path = fs::temp_directory_path() / (std::string(m.stem) + "-cut.gguf");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    const testing::ProcessResult r =
        testing::RunProcess({testing::InfernoBinary(), "inspect", path.string()});
    fs::remove(path);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("extends past the end"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace inferno
