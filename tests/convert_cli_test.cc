// `inferno convert` and `inferno quantize` end to end through the binary: a synthetic
// checkpoint converts and runs; corrupt or incomplete checkpoints fail with one clear error
// and exit code 1 (never a crash).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "engine/convert/synthetic_checkpoint.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

class ConvertCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("inferno-convert-cli-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto c = convert::WriteSyntheticCheckpoint(Ckpt());
    ASSERT_TRUE(c.ok()) << c.status().message();
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string Ckpt() const { return (root_ / "ckpt").string(); }
  std::string Out() const { return (root_ / "out.gguf").string(); }

  testing::ProcessResult Convert(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {testing::InfernoBinary(), "convert", Ckpt(), Out()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::RunProcess(argv);
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  // A safetensors file with the given header text and `data_bytes` zero bytes of data.
  static std::string Safetensors(const std::string& header, size_t data_bytes) {
    std::string s(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(s.data(), &n, 8);
    return s + header + std::string(data_bytes, '\0');
  }

  // Runs convert and expects exit code 1 with `needle` in the error, and no output file.
  void ExpectFailure(const std::string& needle) {
    const testing::ProcessResult r = Convert({"--type", "q8_0"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
    EXPECT_FALSE(fs::exists(Out()));
    EXPECT_FALSE(fs::exists(Out() + ".part"));
  }

  fs::path root_;
};

// A Ministral 3 checkpoint converts, and inspect shows its YaRN scaling as the engine reads it.
TEST_F(ConvertCli, Mistral3ConvertsAndInspectShowsItsRopeScaling) {
  convert::SyntheticSpec spec;
  spec.arch = "mistral3";
  spec.rope_theta = 1e6f;
  const std::string ckpt = (root_ / "mistral3").string();
  ASSERT_TRUE(convert::WriteSyntheticCheckpoint(ckpt, spec).ok());
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "convert", ckpt, Out(), "--type", "q8_0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const testing::ProcessResult inspect =
      testing::RunProcess({testing::InfernoBinary(), "inspect", Out()});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  // YaRN's magnitude with log multiplier 1 cancels: the kernel gets 1 / (0.1 ln 16 + 1).
  EXPECT_NE(inspect.out.find("rope:         base 1e+06, scaling yarn, factor 16, original context "
                             "8, beta fast 32 / slow 1, log multiplier 1, attention factor "
                             "0.782927\n"),
            std::string::npos)
      << inspect.out;
  const testing::ProcessResult json =
      testing::RunProcess({testing::InfernoBinary(), "inspect", Out(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const boost::json::object rope = boost::json::parse(json.out).at("rope").as_object();
  EXPECT_EQ(rope.at("scaling").as_string(), "yarn");
  EXPECT_DOUBLE_EQ(rope.at("factor").to_number<double>(), 16.0);
  EXPECT_EQ(rope.at("original_context").to_number<int64_t>(), 8);
  EXPECT_DOUBLE_EQ(rope.at("yarn_log_multiplier").to_number<double>(), 1.0);
}

TEST_F(ConvertCli, Q8_0ConvertsAndRuns) {
  const testing::ProcessResult r = Convert({"--type", "q8_0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + Out()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("100%"), std::string::npos) << "progress output: " << r.err;
  const testing::ProcessResult run = testing::RunProcess(
      {testing::InfernoBinary(), "run", "-m", Out(), "-p", "once upon", "-n", "4", "--temp", "0"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const testing::ProcessResult tok = testing::RunProcess(
      {testing::InfernoBinary(), "tokenize", "-m", Out(), "-p", "<|im_start|>user", "--json"});
  EXPECT_EQ(tok.exit_code, 0) << tok.err;
  EXPECT_NE(tok.out.find("{\"id\":3,\"text\":\"<|im_start|>\"}"), std::string::npos) << tok.out;
}

// --meta adds string keys (the demo-model pipeline marks its tool-trained models so), and
// refuses a key the converter writes itself or an argument without '='.
TEST_F(ConvertCli, MetaAddsStringKeys) {
  const testing::ProcessResult r =
      Convert({"--type", "q8_0", "-q", "--meta", "inferno.demo.tools=calculator,current_time",
               "--meta", "general.description=a = b"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const testing::ProcessResult json =
      testing::RunProcess({testing::InfernoBinary(), "inspect", Out(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const boost::json::object meta = boost::json::parse(json.out).at("metadata").as_object();
  EXPECT_EQ(meta.at("inferno.demo.tools").as_string(), "calculator,current_time");
  EXPECT_EQ(meta.at("general.description").as_string(), "a = b");
  EXPECT_EQ(meta.at("general.name").as_string(), "ckpt");
  fs::remove(Out());

  const testing::ProcessResult taken = Convert({"--meta", "general.name=other"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("error: metadata key general.name: written by the converter"),
            std::string::npos)
      << taken.err;
  const testing::ProcessResult twice = Convert({"--meta", "x.y=1", "--meta", "x.y=2"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("metadata key x.y: written by the converter (or given twice)"),
            std::string::npos)
      << twice.err;
  const testing::ProcessResult bare = Convert({"--meta", "novalue"});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_NE(bare.err.find("error: --meta novalue: expected KEY=VALUE"), std::string::npos)
      << bare.err;
  EXPECT_FALSE(fs::exists(Out()));
}

TEST_F(ConvertCli, QuantizeRewritesTypes) {
  ASSERT_EQ(Convert({"--type", "f16", "-q"}).exit_code, 0);
  const std::string q = (root_ / "q4km.gguf").string();
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "quantize", Out(), q, "Q4_K_M"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const testing::ProcessResult inspect =
      testing::RunProcess({testing::InfernoBinary(), "inspect", q, "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const testing::ProcessResult bad =
      testing::RunProcess({testing::InfernoBinary(), "quantize", Out(), q, "q7_z"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown type 'q7_z'"), std::string::npos) << bad.err;
  const testing::ProcessResult same =
      testing::RunProcess({testing::InfernoBinary(), "quantize", Out(), Out(), "q8_0"});
  EXPECT_EQ(same.exit_code, 1);
  Write((root_ / "junk.gguf").string(), "GGUF\x03");
  const testing::ProcessResult junk = testing::RunProcess(
      {testing::InfernoBinary(), "quantize", (root_ / "junk.gguf").string(), q, "q8_0"});
  EXPECT_EQ(junk.exit_code, 1) << junk.err;
}

TEST_F(ConvertCli, TruncatedSafetensors) {
  const std::string path = Ckpt() + "/model.safetensors";
  const std::string bytes = Read(path);
  Write(path, bytes.substr(0, bytes.size() - 100));
  ExpectFailure("outside the data section");
}

TEST_F(ConvertCli, TruncatedInsideHeader) {
  const std::string path = Ckpt() + "/model.safetensors";
  Write(path, Read(path).substr(0, 40));
  ExpectFailure("exceeds the file");
}

TEST_F(ConvertCli, TooShortForHeaderLength) {
  Write(Ckpt() + "/model.safetensors", "abc");
  ExpectFailure("too short");
}

TEST_F(ConvertCli, BadHeaderJson) {
  Write(Ckpt() + "/model.safetensors", Safetensors("{\"a\": {\"dtype\": \"F32\",, }", 8));
  ExpectFailure("not valid JSON");
}

TEST_F(ConvertCli, OffsetsOutOfRange) {
  Write(Ckpt() + "/model.safetensors",
        Safetensors(R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[2,2],)"
                    R"("data_offsets":[0,99999]}})",
                    16));
  ExpectFailure("outside the data section");
}

TEST_F(ConvertCli, OffsetsDisagreeWithShape) {
  Write(Ckpt() + "/model.safetensors",
        Safetensors(R"({"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", 16));
  ExpectFailure("need 24");
}

TEST_F(ConvertCli, OverlappingTensors) {
  Write(Ckpt() + "/model.safetensors",
        Safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                    16));
  ExpectFailure("overlap");
}

TEST_F(ConvertCli, UnknownDtype) {
  Write(Ckpt() + "/model.safetensors",
        Safetensors(R"({"a":{"dtype":"F12","shape":[4],"data_offsets":[0,16]}})", 16));
  ExpectFailure("unknown dtype 'F12'");
}

TEST_F(ConvertCli, MissingConfigKey) {
  std::string config = Read(Ckpt() + "/config.json");
  const size_t at = config.find("\"hidden_size\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, 13, "\"hidden_sizes\"");
  Write(Ckpt() + "/config.json", config);
  ExpectFailure("required key 'hidden_size' is missing");
}

TEST_F(ConvertCli, MissingConfig) {
  fs::remove(Ckpt() + "/config.json");
  ExpectFailure("config.json: cannot open");
}

TEST_F(ConvertCli, ConfigNotJson) {
  Write(Ckpt() + "/config.json", "{\"hidden_size\": ");
  ExpectFailure("not valid JSON");
}

TEST_F(ConvertCli, UnsupportedArchitecture) {
  Write(Ckpt() + "/config.json",
        R"({"model_type": "mamba", "architectures": ["MambaForCausalLM"]})");
  ExpectFailure("is not supported");
}

TEST_F(ConvertCli, ConfigDisagreesWithTensors) {
  std::string config = Read(Ckpt() + "/config.json");
  const size_t at = config.find("\"intermediate_size\":128");
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, 23, "\"intermediate_size\":96");
  Write(Ckpt() + "/config.json", config);
  ExpectFailure("expected [96, 64] from config.json");
}

TEST_F(ConvertCli, MissingWeights) {
  fs::remove(Ckpt() + "/model.safetensors");
  ExpectFailure("no *.safetensors");
}

TEST_F(ConvertCli, MissingTensor) {
  // Keep the header valid but drop one tensor the config requires.
  Write(Ckpt() + "/model.safetensors",
        Safetensors(R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[290,64],)"
                    R"("data_offsets":[0,74240]}})",
                    74240));
  ExpectFailure("is missing from the checkpoint");
}

TEST_F(ConvertCli, MissingTokenizer) {
  fs::remove(Ckpt() + "/tokenizer.model");
  ExpectFailure("no tokenizer");
}

TEST_F(ConvertCli, CorruptTokenizerModel) {
  const std::string spm = Read(Ckpt() + "/tokenizer.model");
  Write(Ckpt() + "/tokenizer.model", spm.substr(0, spm.size() / 2));
  ExpectFailure("not a valid SentencePiece model");
}

TEST_F(ConvertCli, NotADirectory) {
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "convert", (root_ / "nope").string(), Out()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

TEST_F(ConvertCli, UnknownType) {
  const testing::ProcessResult r = Convert({"--type", "q9_k"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown type 'q9_k' (supported: f32, f16"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace inferno
