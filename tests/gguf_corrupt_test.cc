// Corrupt and unsupported GGUF files: each must give one clear error naming the file and
// the field, through the reader and through `inferno inspect` / `inferno run` (exit code 1,
// never a crash). Variants are built from a valid tiny model written by our own writer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "tests/subprocess.h"
#include "tests/tiny_model.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
using Image = std::vector<uint8_t>;

template <typename T>
void Poke(Image& img, size_t at, T v) {
  ASSERT_LE(at + sizeof(T), img.size());
  std::memcpy(img.data() + at, &v, sizeof(T));
}

template <typename T>
T Peek(const Image& img, size_t at) {
  T v;
  std::memcpy(&v, img.data() + at, sizeof(T));
  return v;
}

// Offset of the record of metadata key `key` in a serialized image.
size_t KvOffset(const Image& img, const gguf::Writer::Layout& layout, std::string_view key) {
  for (size_t at : layout.kv_offsets) {
    const uint64_t len = Peek<uint64_t>(img, at);
    if (std::string_view(reinterpret_cast<const char*>(img.data() + at + 8), len) == key) return at;
  }
  ADD_FAILURE() << "no key " << key;
  return 0;
}
// Offset of the value type field of metadata key `key`.
size_t KvTypeOffset(const Image& img, const gguf::Writer::Layout& l, std::string_view key) {
  return KvOffset(img, l, key) + 8 + key.size();
}

struct Variant {
  std::string name;
  std::function<Image()> make;
  std::string expect;  // substring of the error
};

class CorruptFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inferno-corrupt-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const Image& img) {
    const std::string path = (dir_ / (name + ".gguf")).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(img.data()), std::streamsize(img.size()));
    return path;
  }

  // The verdict of the library: opening, then architecture-level validation.
  static Status Verdict(const std::string& path) {
    Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(path);
    if (!f.ok()) return f.status();
    return ValidateModel(**f);
  }

  fs::path dir_;
};

std::vector<Variant> Variants() {
  using testing::TinyLlamaWriter;
  using testing::TinyModelOptions;
  auto base = [] {
    gguf::Writer w = TinyLlamaWriter();
    Image img = w.Serialize();
    return std::make_pair(img, w.layout());
  };
  std::vector<Variant> v;
  v.push_back({"empty", [] { return Image(); }, "empty"});
  v.push_back({"bad_magic",
               [&] {
                 auto [img, l] = base();
                 img[0] = 'X';
                 return img;
               },
               "magic"});
  v.push_back({"version_1",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, 4, 1);
                 return img;
               },
               "version: found 1, expected 2 or 3"});
  v.push_back({"version_99",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, 4, 99);
                 return img;
               },
               "found 99"});
  v.push_back({"big_endian",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, 4, 0x03000000u);
                 return img;
               },
               "big-endian"});
  v.push_back({"huge_tensor_count",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.tensor_count_offset, 1ull << 40);
                 return img;
               },
               "tensor count"});
  v.push_back({"huge_kv_count",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.kv_count_offset, ~0ull);
                 return img;
               },
               "metadata count"});
  v.push_back({"key_length_past_eof",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.kv_offsets[0], 1ull << 40);
                 return img;
               },
               "past end of file"});
  v.push_back({"string_value_past_eof",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, KvTypeOffset(img, l, "general.name") + 4, 1ull << 33);
                 return img;
               },
               "'general.name'"});
  v.push_back({"offset_out_of_range",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.tensor_offset_fields[1], 1ull << 30);
                 return img;
               },
               "extends past the end"});
  v.push_back({"misaligned_offset",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.tensor_offset_fields[2],
                                Peek<uint64_t>(img, l.tensor_offset_fields[2]) + 4);
                 return img;
               },
               "not aligned"});
  v.push_back({"overlapping_tensors",
               [&] {
                 auto [img, l] = base();
                 Poke<uint64_t>(img, l.tensor_offset_fields[3],
                                Peek<uint64_t>(img, l.tensor_offset_fields[2]));
                 return img;
               },
               "overlaps"});
  v.push_back({"unknown_dtype",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, l.tensor_offset_fields[0] - 4, 99);
                 return img;
               },
               "tensor type 99 (unknown) is not supported (supported: F32, F16"});
  v.push_back({"activation_only_dtype",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, l.tensor_offset_fields[0] - 4, 15);
                 return img;
               },
               "not a weight storage type"});
  v.push_back({"zero_dimension",
               [&] {
                 auto [img, l] = base();
                 const size_t name_len = Peek<uint64_t>(img, l.tensor_info_offsets[0]);
                 Poke<uint64_t>(img, l.tensor_info_offsets[0] + 8 + name_len + 4, 0);
                 return img;
               },
               "dimension 0 is 0"});
  v.push_back({"too_many_dims",
               [&] {
                 auto [img, l] = base();
                 const size_t name_len = Peek<uint64_t>(img, l.tensor_info_offsets[0]);
                 Poke<uint32_t>(img, l.tensor_info_offsets[0] + 8 + name_len, 5);
                 return img;
               },
               "dimension count 5"});
  v.push_back({"invalid_utf8_key",
               [&] {
                 auto [img, l] = base();
                 img[l.kv_offsets[1] + 8] = 0xFF;
                 return img;
               },
               "not valid UTF-8"});
  v.push_back({"unknown_value_type",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, KvTypeOffset(img, l, "general.name"), 42);
                 return img;
               },
               "unknown value type 42"});
  v.push_back({"nested_array",
               [&] {
                 auto [img, l] = base();
                 Poke<uint32_t>(img, KvTypeOffset(img, l, "tokenizer.ggml.scores") + 4, 9);
                 return img;
               },
               "nested arrays"});
  v.push_back({"bool_not_0_or_1",
               [&] {
                 gguf::Writer w = TinyLlamaWriter();
                 w.AddBool("tokenizer.ggml.add_bos_token", true);
                 Image img = w.Serialize();
                 const size_t at =
                     KvTypeOffset(img, w.layout(), "tokenizer.ggml.add_bos_token") + 4;
                 img[at] = 7;
                 return img;
               },
               "neither 0 nor 1"});
  v.push_back({"duplicate_key",
               [&] {
                 gguf::Writer w = TinyLlamaWriter();
                 w.AddU32("dup.a", 1);
                 w.AddU32("dup.b", 2);
                 Image img = w.Serialize();
                 img[KvOffset(img, w.layout(), "dup.b") + 8 + 4] = 'a';
                 return img;
               },
               "duplicate key"});
  v.push_back({"duplicate_tensor_name",
               [&] {
                 auto [img, l] = base();
                 // tensor 3 is blk.0.attn_q.weight, tensor 4 blk.0.attn_k.weight
                 img[l.tensor_info_offsets[4] + 8 + 11] = 'q';
                 return img;
               },
               "duplicate tensor name"});
  v.push_back({"bad_alignment",
               [&] {
                 gguf::Writer w = TinyLlamaWriter();
                 w.SetAlignment(48);
                 return w.Serialize();
               },
               "power of two"});
  v.push_back({"row_not_block_multiple",
               [&] {
                 gguf::Writer w = TinyLlamaWriter();
                 w.AddTensor("extra.weight", DType::kQ8_0, {32, 1}, Image(34, 0));
                 Image img = w.Serialize();
                 Poke<uint64_t>(img, w.layout().tensor_offset_fields.back() - 4 - 16, 33);
                 return img;
               },
               "not a multiple of the Q8_0 block size"});
  v.push_back({"shape_mismatch",
               [&] {
                 TinyModelOptions o;
                 o.ffn_down_rows = 16;
                 return TinyLlamaWriter(o).Serialize();
               },
               "'blk.0.ffn_down.weight': shape [64, 16], expected [64, 32]"});
  v.push_back({"missing_tensor",
               [&] {
                 TinyModelOptions o;
                 o.include_ffn_down = false;
                 return TinyLlamaWriter(o).Serialize();
               },
               "'blk.0.ffn_down.weight' is missing"});
  v.push_back({"unsupported_architecture",
               [&] {
                 TinyModelOptions o;
                 o.architecture = "mamba";
                 return TinyLlamaWriter(o).Serialize();
               },
               // The list's head only: families are added at its end.
               "architecture 'mamba' is not supported (supported: llama, qwen2, "});
  return v;
}

TEST_F(CorruptFiles, IntactTinyModelIsValidAndRuns) {
  const std::string path = Write("intact", testing::TinyLlamaWriter().Serialize());
  EXPECT_TRUE(Verdict(path).ok()) << Verdict(path).message();
  const testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "run", "-m", path, "-p", "hi", "-n", "3", "--temp", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CorruptFiles, EachVariantGivesOneClearErrorAndExitCode1) {
  int count = 0;
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(v.name);
    const std::string path = Write(v.name, v.make());
    const Status st = Verdict(path);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find(v.expect), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(path), std::string::npos) << "error must name the file";
    for (std::vector<std::string> args :
         {std::vector<std::string>{testing::InfernoBinary(), "inspect", path},
          std::vector<std::string>{testing::InfernoBinary(), "run", "-m", path, "-p", "hi", "-n",
                                   "1"}}) {
      const testing::ProcessResult r = testing::RunProcess(args);
      EXPECT_EQ(r.signal, 0) << args[1] << " crashed";
      EXPECT_EQ(r.exit_code, 1) << args[1] << ": " << r.err;
      EXPECT_NE(r.err.find(v.expect), std::string::npos) << args[1] << " stderr: " << r.err;
    }
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST_F(CorruptFiles, TruncationAtEveryFieldBoundaryAndSweep) {
  gguf::Writer w = testing::TinyLlamaWriter();
  const Image img = w.Serialize();
  const gguf::Writer::Layout& l = w.layout();
  std::vector<size_t> cuts = {
      1, 3, 4, 7, 8, 15, 16, 23, 24, l.data_offset - 1, l.data_offset + 1, img.size() - 1};
  for (size_t at : l.kv_offsets) cuts.insert(cuts.end(), {at, at + 7, at + 9});
  for (size_t at : l.tensor_info_offsets) cuts.insert(cuts.end(), {at, at + 5});
  for (size_t at : l.tensor_offset_fields) cuts.insert(cuts.end(), {at, at + 4});
  for (size_t at = 0; at < img.size(); at += 211) cuts.push_back(at);
  int cli_checked = 0;
  for (size_t cut : cuts) {
    const Image part(img.begin(), img.begin() + std::min(cut, img.size() - 1));
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("cut.gguf", part);
    ASSERT_FALSE(f.ok()) << "truncated at " << cut << " of " << img.size() << " still opened";
    EXPECT_EQ(f.status().message().rfind("cut.gguf: ", 0), 0u) << f.status().message();
    // Every tenth cut also through the binary.
    if (cli_checked * 10 < int(&cut - &cuts[0]) + 1) {
      const std::string path = Write("cut", part);
      const testing::ProcessResult r =
          testing::RunProcess({testing::InfernoBinary(), "inspect", path});
      EXPECT_EQ(r.exit_code, 1) << r.err;
      EXPECT_EQ(r.signal, 0);
      ++cli_checked;
    }
  }
}

// Inputs the fuzzer once crashed on (fuzz/regressions/gguf): each must now load or fail cleanly,
// through the same calls as the fuzz target and through the binary.
TEST_F(CorruptFiles, FuzzRegressionsFailCleanly) {
  int count = 0;
  for (const fs::directory_entry& e :
       fs::directory_iterator(fs::path(INFERNO_SOURCE_DIR) / "fuzz" / "regressions" / "gguf")) {
    SCOPED_TRACE(e.path().string());
    std::ifstream in(e.path(), std::ios::binary);
    const Image img((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("regression.gguf", img);
    if (f.ok()) {
      (void)ValidateModel(**f);
      (void)Tokenizer::FromGguf(**f);
    }
    const testing::ProcessResult r = testing::RunProcess(
        {testing::InfernoBinary(), "run", "-m", e.path().string(), "-p", "hi", "-n", "2"});
    EXPECT_EQ(r.signal, 0) << r.err;
    ++count;
  }
  EXPECT_GE(count, 1);
}

}  // namespace
}  // namespace inferno
