// The reader on small files written here field by field (whisper_file.h's layout), cut short at
// every length and with corrupt fields, and their GGUF form (whisper_gguf.h) read back; the
// full-size model is read in tests/whisper_parity_test.
#include "engine/audio/whisper_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/audio/whisper_gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/fp16.h"

namespace inferno::audio {
namespace {

struct Builder {
  std::vector<uint8_t> b;
  void I32(int32_t v) { Raw(&v, 4); }
  void F32(float v) { Raw(&v, 4); }
  void Raw(const void* p, size_t n) {
    b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
};

// hparams: 51865 tokens (multilingual), 2 mels; a 2 x 201 filterbank; 3 stored tokens; an F32
// vector "a" [4] and an F16 matrix "b" [2 x 3] (ggml order).
std::vector<uint8_t> SmallModel(int32_t n_vocab = 51865) {
  Builder w;
  w.I32(0x67676d6c);
  for (int32_t v : {n_vocab, 1500, 64, 2, 4, 448, 64, 2, 4, 2, 1001}) w.I32(v);
  w.I32(2);
  w.I32(201);
  for (int i = 0; i < 2 * 201; ++i) w.F32(float(i) / 402);
  w.I32(3);
  for (const char* t : {"a", "bc", "\xe2"}) {  // the last one is not UTF-8 on its own
    w.I32(int32_t(std::strlen(t)));
    w.Raw(t, std::strlen(t));
  }
  w.I32(1), w.I32(1), w.I32(0), w.I32(4), w.Raw("a", 1);
  for (int i = 0; i < 4; ++i) w.F32(float(i));
  w.I32(2), w.I32(1), w.I32(1), w.I32(2), w.I32(3), w.Raw("b", 1);
  for (int i = 0; i < 6; ++i) {
    const uint16_t h = F32ToF16(0.5f * i);
    w.Raw(&h, 2);
  }
  return w.b;
}

TEST(WhisperFile, ReadsEverySection) {
  const std::vector<uint8_t> bytes = SmallModel();
  auto f = WhisperFile::FromMemory("small.bin", bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const WhisperHparams& hp = (*f)->hparams();
  EXPECT_EQ(hp.n_vocab, 51865);
  EXPECT_EQ(hp.n_mels, 2);
  EXPECT_EQ(hp.ftype, 1);  // 1001: quantization version 1, F16
  EXPECT_EQ((*f)->filters().data[401], 401.0f / 402);
  const WhisperVocab& v = (*f)->vocab();
  EXPECT_EQ(v.tokens[1], "bc");
  // Multilingual with 99 languages: whisper.cpp's ids for ggml-tiny.bin.
  EXPECT_EQ(v.eot, 50257);
  EXPECT_EQ(v.sot, 50258);
  EXPECT_EQ(v.transcribe, 50359);
  EXPECT_EQ(v.timestamp_begin, 50364);
  EXPECT_EQ(v.Text(50259), "[_LANG_en]");
  EXPECT_EQ(v.Text(50364 + 3), "[_TT_3]");
  ASSERT_EQ((*f)->tensors().size(), 2u);
  const gguf::TensorInfo* b = (*f)->FindTensor("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type, DType::kF16);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(F16ToF32(reinterpret_cast<const uint16_t*>(b->data)[5]), 2.5f);
  EXPECT_EQ((*f)->SizeName(), "tiny");
}

TEST(WhisperFile, EnglishOnlyIds) {
  const std::vector<uint8_t> bytes = SmallModel(51864);
  auto f = WhisperFile::FromMemory("en.bin", bytes);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE((*f)->vocab().multilingual());
  EXPECT_EQ((*f)->vocab().eot, 50256);
  EXPECT_EQ((*f)->vocab().timestamp_begin, 50363);
}

TEST(WhisperFile, EveryTruncationIsAnErrorOrDropsWholeTensors) {
  const std::vector<uint8_t> bytes = SmallModel();
  const size_t tensors_start = bytes.size() - (4 * 4 + 1 + 16) - (5 * 4 + 1 + 12);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto f = WhisperFile::FromMemory("cut.bin", std::span(bytes.data(), n));
    if (n == tensors_start || n == tensors_start + 4 * 4 + 1 + 16) {
      EXPECT_TRUE(f.ok()) << n;  // ends between tensors: binding reports what is missing
      continue;
    }
    ASSERT_FALSE(f.ok()) << n;
    EXPECT_EQ(f.status().code(), Status::Code::kCorruption) << n;
    EXPECT_NE(f.status().message().find("cut.bin: "), std::string::npos);
    if (n > 4) {
      EXPECT_NE(f.status().message().find("truncated at byte"), std::string::npos) << n;
    }
  }
}

TEST(WhisperFile, CorruptFieldsAreNamed) {
  struct Case {
    size_t offset;
    int32_t value;
    const char* expect;
  };
  for (const Case& c :
       {Case{0, 0x12345678, "bad magic"}, Case{4, 100, "n_vocab 100"},
        Case{12, 0, "hyper-parameter 2"}, Case{48, 3, "mel filterbank is 3 x 201"}}) {
    std::vector<uint8_t> bytes = SmallModel();
    std::memcpy(&bytes[c.offset], &c.value, 4);
    auto f = WhisperFile::FromMemory("bad.bin", bytes);
    ASSERT_FALSE(f.ok()) << c.expect;
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos) << f.status().message();
  }
  std::vector<uint8_t> bytes = SmallModel();
  const int32_t bad_type = 77;
  std::memcpy(&bytes[bytes.size() - (5 * 4 + 1 + 12) + 8], &bad_type, 4);
  auto f = WhisperFile::FromMemory("type.bin", bytes);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("tensor 'b' has ggml type 77"), std::string::npos)
      << f.status().message();
}

TEST(WhisperFile, MissingFile) {
  auto f = WhisperFile::Open("/nonexistent/ggml-tiny.bin");
  EXPECT_EQ(f.status().code(), Status::Code::kNotFound);
}

// The GGUF form holds the same fields: written from the .bin and opened again, everything
// compares equal, the non-UTF-8 token included.
TEST(WhisperGguf, RoundTripsEveryField) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path();
  const std::string gguf = (dir / ("whisper-" + std::to_string(getpid()) + ".gguf")).string();
  const std::vector<uint8_t> bytes = SmallModel();
  auto bin = WhisperFile::FromMemory("small.bin", bytes);
  ASSERT_TRUE(bin.ok()) << bin.status().message();
  ASSERT_TRUE(WriteWhisperGguf(**bin, gguf).ok());
  auto g = WhisperFile::Open(gguf);
  fs::remove(gguf);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const WhisperHparams &a = (*bin)->hparams(), &b = (*g)->hparams();
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_EQ((*g)->filters().data, (*bin)->filters().data);
  EXPECT_EQ((*g)->vocab().tokens, (*bin)->vocab().tokens);
  EXPECT_EQ((*g)->vocab().tokens[2], "\xe2");
  EXPECT_EQ((*g)->vocab().timestamp_begin, 50364);
  ASSERT_EQ((*g)->tensors().size(), (*bin)->tensors().size());
  for (const gguf::TensorInfo& t : (*bin)->tensors()) {
    const gguf::TensorInfo* u = (*g)->FindTensor(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(u->type, t.type);
    EXPECT_EQ(u->shape, t.shape);
    ASSERT_EQ(u->bytes, t.bytes);
    EXPECT_EQ(std::memcmp(u->data, t.data, t.bytes), 0) << t.name;
  }
}

std::vector<uint8_t> GgufWith(const std::string& arch, bool filters) {
  gguf::Writer w;
  w.AddString("general.architecture", arch);
  for (const char* k :
       {"whisper.vocab_size", "whisper.audio.context_length", "whisper.audio.embedding_length",
        "whisper.audio.head_count", "whisper.audio.block_count", "whisper.text.context_length",
        "whisper.text.embedding_length", "whisper.text.head_count", "whisper.text.block_count",
        "whisper.audio.mel_count", "general.file_type"}) {
    w.AddU32(k, std::string(k) == "whisper.vocab_size" ? 51865 : 2);
  }
  if (filters) w.AddF32Array("whisper.mel_filters", std::vector<float>(2 * 200));
  return w.Serialize();
}

TEST(WhisperGguf, WrongOrIncompleteFilesAreNamedErrors) {
  std::vector<uint8_t> llama = GgufWith("llama", true);
  auto f = WhisperFile::FromMemory("llama.gguf", llama);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("not a Whisper GGUF (general.architecture is 'llama')"),
            std::string::npos)
      << f.status().message();
  std::vector<uint8_t> no_filters = GgufWith("whisper", false);
  f = WhisperFile::FromMemory("w.gguf", no_filters);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("whisper.mel_filters"), std::string::npos)
      << f.status().message();
  std::vector<uint8_t> short_filters = GgufWith("whisper", true);  // 400 values, not 2 x 201
  f = WhisperFile::FromMemory("w.gguf", short_filters);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("holds 400 values (expected 2 x 201)"), std::string::npos)
      << f.status().message();
  for (size_t n = 0; n < short_filters.size(); n += 7) {  // every cut is an error, never a crash
    EXPECT_FALSE(WhisperFile::FromMemory("cut.gguf", std::span(short_filters.data(), n)).ok());
  }
}

}  // namespace
}  // namespace inferno::audio
