// SentencePiece's tokenizer.model: a serialized ModelProto (protobuf wire format). We read
// the fields a GGUF vocabulary needs with a small wire-format reader of our own, and write
// the same subset (tests build checkpoints with it).
//
//   ModelProto     1: repeated SentencePiece {1: piece (string), 2: score (float),
//                                             3: type (enum, default NORMAL)}
//                  2: TrainerSpec {3: model_type, 4: vocab_size, 35: byte_fallback,
//                                  40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id}
//                  3: NormalizerSpec {1: name, 3: add_dummy_prefix,
//                                     4: remove_extra_whitespaces, 5: escape_whitespaces}
// Unknown fields are skipped, as protobuf readers must.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno::convert {

struct SpmModel {
  enum PieceType : int {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
  };
  struct Piece {
    std::string text;
    float score = 0;
    int type = kNormal;
  };
  std::vector<Piece> pieces;
  // TrainerSpec (defaults as in sentencepiece_model.proto)
  int model_type = 1;  // 1 unigram, 2 BPE, 3 word, 4 char
  bool byte_fallback = false;
  int unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  // NormalizerSpec
  std::string normalizer_name;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

// Parses a serialized ModelProto; `name` is used in error messages.
Result<SpmModel> ParseSpmModel(std::string_view bytes, const std::string& name);
Result<SpmModel> ReadSpmModel(const std::string& path);

// Serializes the fields above (the inverse of ParseSpmModel).
std::string SerializeSpmModel(const SpmModel& model);

}  // namespace inferno::convert
