// `inferno convert` against the independent reference: each fixture model (made by
// llama.cpp) is exported to a Hugging Face checkpoint (HF tensor names, rotate_half row
// order for llama Q/K, gemma norms without their +1, tokenizer.model or tokenizer.json built
// from the GGUF vocabulary), converted back with the real binary, and the result must
// reproduce llama.cpp's oracle: the same prompt tokens, the same greedy tokens and step-0
// logits within the fixture tolerances. The converted tensors must also equal the
// fixture's bit for bit (F16 in → F16 out; Q8_0 values dequantized and re-quantized to Q8_0
// land on the same blocks).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/convert/hf_export.h"
#include "engine/gguf/gguf_file.h"
#include "tests/oracle_compare.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string stem;  // fixture model and oracle folder
  std::string type;  // --type for convert
  double max_abs, mean_abs;
};

// Tolerances as in parity_test.cc: 0.02 for float weights (summation order only); for Q8_0
// the 8-bit activation rounding makes 0.5 max / 0.1 mean the measured noise floor.
const Case kCases[] = {
    {"llama-tiny-F16", "f16", 0.02, 0.005}, {"llama-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"qwen2-tiny-Q8_0", "q8_0", 0.5, 0.1},  {"gemma3-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"phi3-tiny-Q8_0", "q8_0", 0.5, 0.1},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.stem; }

class ConvertParity : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno-convert-parity-" + std::to_string(::getpid()) + "-" + GetParam().stem);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_P(ConvertParity, ConvertedCheckpointMatchesOracle) {
  const Case& c = GetParam();
  const fs::path fixtures = fs::path(testing::SharedDir()) / "fixtures";
  const std::string fixture = (fixtures / "models" / (c.stem + ".gguf")).string();
  auto src = gguf::File::Open(fixture);
  ASSERT_TRUE(src.ok()) << src.status().message();
  // F32 safetensors hold every fixture value exactly (the F32 norms included).
  convert::ExportOptions eo;
  eo.dtype = "F32";
  eo.shards = 2;
  ASSERT_TRUE(convert::ExportHfCheckpoint(**src, (dir_ / "ckpt").string(), eo).ok());

  const std::string out = (dir_ / "converted.gguf").string();
  const testing::ProcessResult conv = testing::RunProcess(
      {testing::InfernoBinary(), "convert", (dir_ / "ckpt").string(), out, "--type", c.type});
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  auto got = gguf::File::Open(out);
  ASSERT_TRUE(got.ok()) << got.status().message();

  // Tensors: same names, shapes, types and bytes as llama.cpp's file.
  ASSERT_EQ((*got)->tensors().size(), (*src)->tensors().size());
  for (const gguf::TensorInfo& t : (*src)->tensors()) {
    const gguf::TensorInfo* g = (*got)->FindTensor(t.name);
    ASSERT_NE(g, nullptr) << t.name;
    EXPECT_EQ(g->shape, t.shape) << t.name;
    EXPECT_EQ(g->type, t.type) << t.name;
    if (g->type == t.type && g->bytes == t.bytes) {
      EXPECT_EQ(std::memcmp(g->data, t.data, t.bytes), 0) << t.name << " differs from the fixture";
    }
  }

  // Metadata: every key llama.cpp wrote that describes the model or its tokenizer must be
  // there with the same value (general.name and the like are ours to choose).
  for (const gguf::KeyValue& kv : (*src)->metadata()) {
    const std::string key(kv.key);
    if (key.rfind("general.", 0) == 0) continue;
    SCOPED_TRACE(key);
    const gguf::Value* mine = (*got)->Find(key);
    ASSERT_NE(mine, nullptr) << "missing";
    const gguf::Value& want = kv.value;
    if (want.type == gguf::ValueType::kArray) {
      ASSERT_EQ(mine->count, want.count);
      if (want.elem_type == gguf::ValueType::kString) {
        EXPECT_EQ(mine->strings, want.strings);
      } else {
        for (uint64_t i = 0; i < want.count; ++i) {
          if (want.FloatAt(i) != mine->FloatAt(i)) {
            ADD_FAILURE() << "element " << i << ": " << mine->FloatAt(i)
                          << " != " << want.FloatAt(i);
            break;
          }
        }
      }
    } else if (want.type == gguf::ValueType::kString) {
      EXPECT_EQ(mine->str, want.str);
    } else if (want.is_float()) {
      EXPECT_FLOAT_EQ(float(mine->f), float(want.f));
    } else {
      EXPECT_EQ(mine->u, want.u);
      EXPECT_EQ(mine->type, want.type) << "value type";
    }
  }

  // Behaviour: every oracle prompt through the real CLI and the step-0 logits.
  testing::ExpectMatchesOracle(out, (fixtures / "oracle" / c.stem).string(), c.max_abs, c.mean_abs);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConvertParity, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.stem;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace inferno
