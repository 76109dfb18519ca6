// The SentencePiece ModelProto reader: round trip through our writer, protobuf details a
// real tokenizer.model has (sign-extended negative ids, unknown fields of every wire type,
// defaults when fields are absent), and malformed input.
#include "engine/convert/sentencepiece_model.h"

#include <gtest/gtest.h>

namespace inferno::convert {
namespace {

SpmModel Sample() {
  SpmModel m;
  m.pieces = {{"<unk>", 0, SpmModel::kUnknown},      {"<s>", 0, SpmModel::kControl},
              {"</s>", 0, SpmModel::kControl},       {"<|im_start|>", 0, SpmModel::kUserDefined},
              {"<0x41>", 0, SpmModel::kByte},        {"\xE2\x96\x81the", -3.25f, SpmModel::kNormal},
              {"[unused]", -1e9f, SpmModel::kUnused}};
  m.model_type = 2;
  m.byte_fallback = true;
  m.pad_id = -1;
  m.add_dummy_prefix = false;
  return m;
}

TEST(SpmModel, RoundTrip) {
  const SpmModel m = Sample();
  Result<SpmModel> back = ParseSpmModel(SerializeSpmModel(m), "t");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->pieces.size(), m.pieces.size());
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    EXPECT_EQ(back->pieces[i].text, m.pieces[i].text);
    EXPECT_EQ(back->pieces[i].score, m.pieces[i].score);
    EXPECT_EQ(back->pieces[i].type, m.pieces[i].type);
  }
  EXPECT_EQ(back->model_type, 2);
  EXPECT_TRUE(back->byte_fallback);
  EXPECT_EQ(back->pad_id, -1);  // a 10-byte sign-extended varint on the wire
  EXPECT_EQ(back->bos_id, 1);
  EXPECT_FALSE(back->add_dummy_prefix);
}

TEST(SpmModel, DefaultsAndUnknownFields) {
  // One piece with only its text (type and score absent), then fields the reader does not
  // know: varint 99, fixed64 100, length-delimited 101, fixed32 102.
  std::string bytes;
  bytes += "\x0A\x03\x0A\x01x";                // pieces { piece: "x" }
  bytes += "\x98\x06\x05";                     // field 99 varint 5
  bytes += "\xA1\x06" + std::string(8, '\1');  // field 100 fixed64
  bytes += "\xAA\x06\x02hi";                   // field 101 bytes
  bytes += "\xB5\x06" + std::string(4, '\2');  // field 102 fixed32
  Result<SpmModel> m = ParseSpmModel(bytes, "t");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->pieces.size(), 1u);
  EXPECT_EQ(m->pieces[0].text, "x");
  EXPECT_EQ(m->pieces[0].type, SpmModel::kNormal);
  EXPECT_EQ(m->unk_id, 0);
  EXPECT_EQ(m->eos_id, 2);
  EXPECT_TRUE(m->add_dummy_prefix);
}

TEST(SpmModel, MalformedInputIsAnError) {
  const std::string good = SerializeSpmModel(Sample());
  // Every truncation either parses a shorter valid prefix or fails cleanly; most fail.
  int failures = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    Result<SpmModel> m = ParseSpmModel(good.substr(0, n), "t");
    if (!m.ok()) {
      ++failures;
      EXPECT_NE(m.status().message().find("t: not a valid SentencePiece model"), std::string::npos);
    }
  }
  EXPECT_GT(failures, int(good.size()) / 2);
  EXPECT_FALSE(ParseSpmModel("", "t").ok());                       // no pieces
  EXPECT_FALSE(ParseSpmModel("\x0A\x05\x0A\x01", "t").ok());       // length past the end
  EXPECT_FALSE(ParseSpmModel("\x0B\x00", "t").ok());               // wire type 3 (group)
  EXPECT_FALSE(ParseSpmModel("\x0A\x02\x18\x09", "t").ok());       // piece type 9
  EXPECT_FALSE(ParseSpmModel(std::string(11, '\xFF'), "t").ok());  // endless varint
  EXPECT_FALSE(ReadSpmModel("/nonexistent/tokenizer.model").ok());
}

}  // namespace
}  // namespace inferno::convert
