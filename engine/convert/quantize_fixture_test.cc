// Our weight quantizers against llama.cpp's: the quantized fixtures were made by llama.cpp
// from the same weights as llama-tiny-F16.gguf, so quantizing the F16 weights ourselves must
// reproduce its Q8_0, Q4_0 and Q6_K blocks exactly (same rounding and scale search), and for
// Q4_K/Q5_K (whose search also tries neighbouring sub-block scales) give an error against
// the F16 weights no larger than llama.cpp's own file, tensor by tensor. The K_M mixes must pick
// the same type per tensor. IQ4_NL, IQ4_XS and MXFP4 are compared with files that
// tools/zoo/iquants.sh makes with llama.cpp's quantizer (set INFERNO_ZOO_DIR to its OUT_DIR).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/convert/quant_mix.h"
#include "engine/convert/requantize.h"
#include "engine/gguf/gguf_file.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/quantize.h"

namespace inferno::convert {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(INFERNO_SHARED_DIR) + "/fixtures/models/" + name;
}

std::vector<float> Floats(const gguf::TensorInfo& t) {
  std::vector<float> v(t.n_elements);
  const size_t rb = RowBytes(t.type, t.cols());
  for (int64_t r = 0; r < t.rows(); ++r) {
    DequantizeRow(t.type, t.data + r * rb, v.data() + r * t.cols(), t.cols());
  }
  return v;
}

std::vector<uint8_t> Quantize(DType type, const std::vector<float>& x, int64_t cols) {
  const size_t rb = RowBytes(type, cols);
  const int64_t rows = int64_t(x.size()) / cols;
  std::vector<uint8_t> out(rb * size_t(rows));
  for (int64_t r = 0; r < rows; ++r)
    QuantizeWeightRow(type, x.data() + r * cols, out.data() + r * rb, cols);
  return out;
}

double Rmse(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s / double(a.size()));
}

struct Ref {
  const char* file;
  const char* type;  // our FileType
  bool exact;        // blocks of the file's base type must be byte-identical
  // A folder of the generated zoo (tools/zoo/iquants.sh, under $INFERNO_ZOO_DIR) rather than
  // the committed fixtures; skipped when that is absent.
  const char* zoo = nullptr;
  // Made with per-tensor overrides (llama-quantize --tensor-type): types are the file's,
  // and tensors of the base type must match byte for byte.
  bool overrides = false;
};

std::string RefPath(const Ref& ref) {
  if (!ref.zoo) return Fixture(ref.file);
  const char* dir = std::getenv("INFERNO_ZOO_DIR");
  return dir == nullptr ? "" : std::string(dir) + "/" + ref.zoo + "/" + ref.file;
}

class QuantizeVsLlamaCpp : public ::testing::TestWithParam<Ref> {};

TEST_P(QuantizeVsLlamaCpp, SameTypesAndNoWorseError) {
  const Ref& ref = GetParam();
  const std::string path = RefPath(ref);
  if (ref.zoo && (path.empty() || !std::filesystem::exists(path))) {
    GTEST_SKIP() << "no " << ref.file << " (set INFERNO_ZOO_DIR; tools/zoo/iquants.sh makes it)";
  }
  auto f16 = gguf::File::Open(Fixture("llama-tiny-F16.gguf"));
  auto theirs = gguf::File::Open(path);
  ASSERT_TRUE(f16.ok() && theirs.ok());
  Result<FileType> ft = ParseFileType(ref.type);
  ASSERT_TRUE(ft.ok());
  const int n_layer = int(*(*f16)->GetUint("llama.block_count"));
  const bool has_output = (*f16)->FindTensor("output.weight") != nullptr;
  const int n_gqa = int(*(*f16)->GetUint("llama.attention.head_count") /
                        *(*f16)->GetUint("llama.attention.head_count_kv"));
  for (const gguf::TensorInfo& t : (*f16)->tensors()) {
    SCOPED_TRACE(std::string(t.name));
    const gguf::TensorInfo* q = (*theirs)->FindTensor(t.name);
    ASSERT_NE(q, nullptr);
    int layer = -1;
    if (t.name.rfind("blk.", 0) == 0) layer = std::atoi(std::string(t.name.substr(4)).c_str());
    TensorRole role{std::string(t.name), t.cols(), int(t.shape.size()), layer, n_layer, has_output};
    role.n_gqa = n_gqa;
    const DType type = ref.overrides ? q->type : ChooseTensorType(*ft, role);
    EXPECT_EQ(DTypeName(type), DTypeName(q->type)) << "type chosen for the tensor";
    if (type != q->type || t.shape.size() < 2) continue;
    const std::vector<float> x = Floats(t);
    const std::vector<uint8_t> ours = Quantize(type, x, t.cols());
    ASSERT_EQ(ours.size(), q->bytes);
    if (ref.exact && type == ft->base) {
      EXPECT_EQ(std::memcmp(ours.data(), q->data, q->bytes), 0) << "blocks differ";
    }
    gguf::TensorInfo mine = *q;
    mine.data = ours.data();
    const double e_ours = Rmse(Floats(mine), x), e_theirs = Rmse(Floats(*q), x);
    // No worse than llama.cpp's file (0.1% for float summation noise): our search also tries
    // the neighbours of each quantized sub-block scale, so it is usually a little better.
    EXPECT_LE(e_ours, e_theirs * 1.001) << "ours " << e_ours << ", llama.cpp " << e_theirs;
    std::printf("[quant] %-28s %-5s rmse ours %.6f llama.cpp %.6f (%+.2f%%)\n",
                std::string(t.name).c_str(), std::string(DTypeName(type)).c_str(), e_ours, e_theirs,
                100 * (e_ours / e_theirs - 1));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, QuantizeVsLlamaCpp,
    ::testing::Values(Ref{"llama-tiny-Q8_0.gguf", "q8_0", true},
                      Ref{"llama-tiny-Q4_0.gguf", "q4_0", true},
                      Ref{"llama-tiny-Q6_K.gguf", "q6_k", true},
                      Ref{"llama-tiny-Q5_K_M.gguf", "q5_k_m", false},
                      Ref{"llama-tiny-Q4_K_M.gguf", "q4_k_m", false},
                      Ref{"llama-tiny-IQ4_NL.gguf", "iq4_nl", true, "zoo-src"},
                      Ref{"llama-tiny-IQ4_XS.gguf", "iq4_xs", true, "zoo-src"},
                      Ref{"llama-tiny-MXFP4-ffn.gguf", "mxfp4_moe", true, "zoo", true}),
    [](const ::testing::TestParamInfo<Ref>& info) { return std::string(info.param.type); });

// MXFP4 where llama.cpp uses it, on a MoE model's 3-D expert tensors: `inferno quantize
// mxfp4_moe` of the gpt-oss F16 model must give llama.cpp's MXFP4_MOE file tensor for
// tensor, the same types and the same bytes (MXFP4 experts, Q8_0 elsewhere, F32 router).
TEST(QuantizeVsLlamaCppMoe, Mxfp4MoeIsByteIdentical) {
  const char* dir = std::getenv("INFERNO_ZOO_DIR");
  const std::string src = dir ? std::string(dir) + "/zoo-src/gpt-oss-tiny-F16.gguf" : "";
  const std::string ref = dir ? std::string(dir) + "/zoo-src/gpt-oss-tiny-MXFP4.gguf" : "";
  if (!dir || !std::filesystem::exists(src) || !std::filesystem::exists(ref)) {
    GTEST_SKIP() << "no gpt-oss models (set INFERNO_ZOO_DIR; tools/zoo/iquants.sh makes them)";
  }
  const std::string out =
      (std::filesystem::temp_directory_path() / "inferno-gpt-oss-MXFP4.gguf").string();
  ASSERT_TRUE(QuantizeGguf(src, out, "mxfp4_moe").ok());
  auto ours = gguf::File::Open(out);
  auto theirs = gguf::File::Open(ref);
  ASSERT_TRUE(ours.ok() && theirs.ok());
  int mxfp4 = 0;
  for (const gguf::TensorInfo& t : (*theirs)->tensors()) {
    SCOPED_TRACE(std::string(t.name));
    const gguf::TensorInfo* q = (*ours)->FindTensor(t.name);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(DTypeName(q->type), DTypeName(t.type));
    ASSERT_EQ(q->bytes, t.bytes);
    EXPECT_EQ(std::memcmp(q->data, t.data, t.bytes), 0) << "bytes differ";
    mxfp4 += t.type == DType::kMXFP4;
  }
  EXPECT_EQ(mxfp4, 12);  // 4 layers × gate, up, down experts
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace inferno::convert
