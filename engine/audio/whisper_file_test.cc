// The reader on small files written here field by field (whisper_file.h's layout), cut short at
// every length and with corrupt fields; the full-size model is read in tests/whisper_parity_test.
#include "engine/audio/whisper_file.h"

#include <gtest/gtest.h>

#include <cstring>

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
  for (const char* t : {"a", "bc", "!"}) {
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
       {Case{0, 0x46554747, "bad magic"}, Case{4, 100, "n_vocab 100"},
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

}  // namespace
}  // namespace inferno::audio
