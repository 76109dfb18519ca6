// `inferno convert` against the independent reference: each fixture model (made by
// llama.cpp) is exported to a Hugging Face checkpoint (HF tensor names, rotate_half row
// order for llama Q/K, gemma norms without their +1, tokenizer.model or tokenizer.json built
// from the GGUF vocabulary), converted back with the real binary, and the result must
// reproduce llama.cpp's oracle: the same prompt tokens, the same greedy tokens and step-0
// logits within the fixture tolerances. The converted tensors must also equal the
// fixture's bit for bit (F16 in → F16 out; Q8_0 values dequantized and re-quantized to Q8_0
// land on the same blocks). The newer families come from the zoo (`make zoo`: llama.cpp's
// random-weight models and oracles) and are skipped without it.
//
// ConvertPeer goes the other way for the families added after the fixtures: a synthetic
// Hugging Face checkpoint (Transformers' names and config keys) is converted by the binary,
// llama.cpp's oracle_dump runs the converted file, and our engine must agree with it: proof
// that llama.cpp accepts every name, shape and key we write and computes what we compute.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/convert/hf_export.h"
#include "engine/convert/synthetic_checkpoint.h"
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
  bool zoo = false;  // in the generated zoo rather than the committed fixtures
};

// Tolerances as in parity_test.cc: 0.02 for float weights (summation order only); for Q8_0
// the 8-bit activation rounding makes 0.5 max / 0.1 mean the measured noise floor.
const Case kCases[] = {
    {"llama-tiny-F16", "f16", 0.02, 0.005},
    {"llama-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"qwen2-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"gemma3-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"phi3-tiny-Q8_0", "q8_0", 0.5, 0.1},
    {"qwen3-tiny-Q8_0", "q8_0", 0.5, 0.1, true},
    {"qwen3moe-tiny-Q8_0", "q8_0", 0.5, 0.1, true},
    {"mistral3-tiny-Q8_0", "q8_0", 0.5, 0.1, true},
    {"mistral3-tiny-F16", "f16", 0.02, 0.005, true},
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
  const fs::path fixtures =
      c.zoo ? fs::path(INFERNO_ZOO_DIR) : fs::path(testing::SharedDir()) / "fixtures";
  const std::string fixture = (fixtures / (c.zoo ? "zoo" : "models") / (c.stem + ".gguf")).string();
  if (c.zoo && !fs::exists(fixture)) GTEST_SKIP() << "no " << fixture << " (make zoo)";
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
  testing::ExpectMatchesOracle(
      out, (fixtures / (c.zoo ? "zoo-oracle" : "oracle") / c.stem).string(), c.max_abs, c.mean_abs);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConvertParity, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.stem;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// llama.cpp's oracle_dump, built by the peer (`make zoo` builds it on first use).
std::string OracleDump() {
  const char* dir = std::getenv("INFERNO_PEER_DIR");
  const char* home = std::getenv("HOME");
  const fs::path peer = dir != nullptr    ? fs::path(dir)
                        : home != nullptr ? fs::path(home) / ".cache/inferno-peer"
                                          : fs::path();
  const fs::path tool = peer / "build/peer/oracle_dump";
  return fs::exists(tool) ? tool.string() : "";
}

struct PeerCase {
  std::string arch;
  int head_dim;
  bool tied;
};

void PrintTo(const PeerCase& c, std::ostream* os) { *os << c.arch; }

class ConvertPeer : public ::testing::TestWithParam<PeerCase> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno-convert-peer-" + std::to_string(::getpid()) + "-" + GetParam().arch);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "oracle");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_P(ConvertPeer, LlamaCppRunsTheConvertedCheckpointAsWeDo) {
  const std::string oracle_dump = OracleDump();
  if (oracle_dump.empty()) GTEST_SKIP() << "no llama.cpp oracle_dump (make zoo builds the peer)";
  convert::SyntheticSpec spec;
  spec.arch = GetParam().arch;
  spec.head_dim = GetParam().head_dim;
  spec.tied = GetParam().tied;
  spec.n_layer = 3;
  spec.rope_theta = 1e6f;
  ASSERT_TRUE(convert::WriteSyntheticCheckpoint((dir_ / "ckpt").string(), spec).ok());
  const std::string out = (dir_ / "converted.gguf").string();
  const testing::ProcessResult conv = testing::RunProcess(
      {testing::InfernoBinary(), "convert", (dir_ / "ckpt").string(), out, "--type", "f16"});
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  // Prompts longer than Mistral 3's original context (8 positions) reach its attention
  // temperature and YaRN range.
  const char* prompts[] = {" once upon a time the hi",
                           "<|im_start|>user\nhi there<|im_end|>\n"
                           "<|im_start|>assistant\n"};
  for (size_t i = 0; i < std::size(prompts); ++i) {
    const std::string prompt = (dir_ / ("p" + std::to_string(i) + ".txt")).string();
    std::ofstream(prompt) << prompts[i];
    const testing::ProcessResult dump =
        testing::RunProcess({oracle_dump, out, prompt, "8",
                             (dir_ / "oracle" / ("p" + std::to_string(i) + ".json")).string()});
    ASSERT_EQ(dump.exit_code, 0) << "llama.cpp refused the converted file: " << dump.err;
  }
  // F16 weights: only the summation order differs (tolerances as for the F16 fixtures).
  const testing::OracleStats stats =
      testing::ExpectMatchesOracle(out, (dir_ / "oracle").string(), 0.02, 0.005);
  EXPECT_EQ(stats.prompts, 2);
  std::printf("[ convert %s vs llama.cpp: max |diff| %.4f, mean %.5f, %d greedy steps ]\n",
              spec.arch.c_str(), stats.max_abs, stats.mean_abs, stats.greedy_steps);
}

INSTANTIATE_TEST_SUITE_P(Families, ConvertPeer,
                         ::testing::Values(PeerCase{"llama", 0, true}, PeerCase{"qwen3", 32, true},
                                           PeerCase{"qwen3moe", 0, false},
                                           PeerCase{"mistral3", 32, false}),
                         [](const ::testing::TestParamInfo<PeerCase>& info) {
                           return info.param.arch;
                         });

}  // namespace
}  // namespace inferno
