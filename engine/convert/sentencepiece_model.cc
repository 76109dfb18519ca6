#include "engine/convert/sentencepiece_model.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace inferno::convert {
namespace {

// Protobuf wire format: each field is a varint key (field_number << 3 | wire_type) then a
// varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5).
class WireReader {
 public:
  WireReader(std::string_view data, const std::string& name) : d_(data), name_(name) {}
  bool done() const { return pos_ >= d_.size(); }

  Status Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= d_.size()) return Error("truncated varint");
      const uint8_t b = uint8_t(d_[pos_++]);
      if (shift == 63 && b > 1) return Error("varint overflows 64 bits");
      v |= uint64_t(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return Status::Ok();
      }
    }
    return Error("varint longer than 10 bytes");
  }
  // Reads one field header; wire type in *type, number in *field.
  Status Key(uint32_t* field, uint32_t* type) {
    uint64_t k;
    INFERNO_RETURN_IF_ERROR(Varint(&k));
    *field = uint32_t(k >> 3);
    *type = uint32_t(k & 7);
    if (*field == 0) return Error("field number 0");
    return Status::Ok();
  }
  Status Bytes(std::string_view* out) {
    uint64_t n;
    INFERNO_RETURN_IF_ERROR(Varint(&n));
    if (n > d_.size() - pos_) return Error("length-delimited field runs past the end");
    *out = d_.substr(pos_, size_t(n));
    pos_ += size_t(n);
    return Status::Ok();
  }
  Status Fixed32(uint32_t* out) {
    if (d_.size() - pos_ < 4) return Error("truncated fixed32");
    std::memcpy(out, d_.data() + pos_, 4);
    pos_ += 4;
    return Status::Ok();
  }
  Status Skip(uint32_t type) {
    uint64_t v;
    std::string_view s;
    switch (type) {
      case 0:
        return Varint(&v);
      case 1:
        if (d_.size() - pos_ < 8) return Error("truncated fixed64");
        pos_ += 8;
        return Status::Ok();
      case 2:
        return Bytes(&s);
      case 5:
        if (d_.size() - pos_ < 4) return Error("truncated fixed32");
        pos_ += 4;
        return Status::Ok();
      default:
        return Error("unsupported wire type " + std::to_string(type));
    }
  }
  Status Error(const std::string& what) const {
    return Status::Corruption(name_ + ": not a valid SentencePiece model (" + what + " at byte " +
                              std::to_string(pos_) + ")");
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
  const std::string& name_;
};

// int32 fields are sign-extended to 64 bits on the wire.
int AsInt32(uint64_t v) { return int(int32_t(uint32_t(v))); }

Status ExpectType(WireReader& r, uint32_t field, uint32_t got, uint32_t want) {
  if (got == want) return Status::Ok();
  return r.Error("field " + std::to_string(field) + " has wire type " + std::to_string(got) +
                 ", expected " + std::to_string(want));
}

Status ParsePiece(std::string_view bytes, const std::string& name, SpmModel::Piece* p) {
  WireReader r(bytes, name);
  while (!r.done()) {
    uint32_t f, t;
    INFERNO_RETURN_IF_ERROR(r.Key(&f, &t));
    if (f == 1) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 2));
      std::string_view s;
      INFERNO_RETURN_IF_ERROR(r.Bytes(&s));
      p->text = std::string(s);
    } else if (f == 2) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 5));
      uint32_t u = 0;
      INFERNO_RETURN_IF_ERROR(r.Fixed32(&u));
      std::memcpy(&p->score, &u, 4);
    } else if (f == 3) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 0));
      uint64_t v;
      INFERNO_RETURN_IF_ERROR(r.Varint(&v));
      p->type = AsInt32(v);
      if (p->type < 1 || p->type > 6) return r.Error("piece type " + std::to_string(p->type));
    } else {
      INFERNO_RETURN_IF_ERROR(r.Skip(t));
    }
  }
  return Status::Ok();
}

Status ParseTrainer(std::string_view bytes, const std::string& name, SpmModel* m) {
  WireReader r(bytes, name);
  while (!r.done()) {
    uint32_t f, t;
    INFERNO_RETURN_IF_ERROR(r.Key(&f, &t));
    int* target = nullptr;
    switch (f) {
      case 3:
        target = &m->model_type;
        break;
      case 40:
        target = &m->unk_id;
        break;
      case 41:
        target = &m->bos_id;
        break;
      case 42:
        target = &m->eos_id;
        break;
      case 43:
        target = &m->pad_id;
        break;
      default:
        break;
    }
    if (target != nullptr || f == 35) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 0));
      uint64_t v;
      INFERNO_RETURN_IF_ERROR(r.Varint(&v));
      if (target != nullptr) {
        *target = AsInt32(v);
      } else {
        m->byte_fallback = v != 0;
      }
    } else {
      INFERNO_RETURN_IF_ERROR(r.Skip(t));
    }
  }
  return Status::Ok();
}

Status ParseNormalizer(std::string_view bytes, const std::string& name, SpmModel* m) {
  WireReader r(bytes, name);
  while (!r.done()) {
    uint32_t f, t;
    INFERNO_RETURN_IF_ERROR(r.Key(&f, &t));
    bool* flag = f == 3   ? &m->add_dummy_prefix
                 : f == 4 ? &m->remove_extra_whitespaces
                 : f == 5 ? &m->escape_whitespaces
                          : nullptr;
    if (f == 1) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 2));
      std::string_view s;
      INFERNO_RETURN_IF_ERROR(r.Bytes(&s));
      m->normalizer_name = std::string(s);
    } else if (flag != nullptr) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 0));
      uint64_t v;
      INFERNO_RETURN_IF_ERROR(r.Varint(&v));
      *flag = v != 0;
    } else {
      INFERNO_RETURN_IF_ERROR(r.Skip(t));
    }
  }
  return Status::Ok();
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out->push_back(char(v));
}
void PutKey(std::string* out, uint32_t field, uint32_t type) {
  PutVarint(out, (uint64_t(field) << 3) | type);
}
void PutBytes(std::string* out, uint32_t field, std::string_view s) {
  PutKey(out, field, 2);
  PutVarint(out, s.size());
  out->append(s);
}
void PutInt32(std::string* out, uint32_t field, int v) {
  PutKey(out, field, 0);
  PutVarint(out, uint64_t(int64_t(v)));  // negative values sign-extend to 10 bytes
}

}  // namespace

Result<SpmModel> ParseSpmModel(std::string_view bytes, const std::string& name) {
  SpmModel m;
  WireReader r(bytes, name);
  while (!r.done()) {
    uint32_t f, t;
    INFERNO_RETURN_IF_ERROR(r.Key(&f, &t));
    if (f >= 1 && f <= 3) {
      INFERNO_RETURN_IF_ERROR(ExpectType(r, f, t, 2));
      std::string_view sub;
      INFERNO_RETURN_IF_ERROR(r.Bytes(&sub));
      if (f == 1) {
        SpmModel::Piece p;
        INFERNO_RETURN_IF_ERROR(ParsePiece(sub, name, &p));
        m.pieces.push_back(std::move(p));
      } else if (f == 2) {
        INFERNO_RETURN_IF_ERROR(ParseTrainer(sub, name, &m));
      } else {
        INFERNO_RETURN_IF_ERROR(ParseNormalizer(sub, name, &m));
      }
    } else {
      INFERNO_RETURN_IF_ERROR(r.Skip(t));
    }
  }
  if (m.pieces.empty()) {
    return Status::Corruption(name + ": not a valid SentencePiece model (no pieces)");
  }
  return m;
}

Result<SpmModel> ReadSpmModel(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseSpmModel(ss.str(), path);
}

std::string SerializeSpmModel(const SpmModel& m) {
  std::string out;
  for (const SpmModel::Piece& p : m.pieces) {
    std::string sub;
    PutBytes(&sub, 1, p.text);
    PutKey(&sub, 2, 5);
    char score[4];
    std::memcpy(score, &p.score, 4);
    sub.append(score, 4);
    if (p.type != SpmModel::kNormal) PutInt32(&sub, 3, p.type);
    PutBytes(&out, 1, sub);
  }
  std::string trainer;
  PutInt32(&trainer, 3, m.model_type);
  PutInt32(&trainer, 4, int(m.pieces.size()));
  PutKey(&trainer, 35, 0);
  PutVarint(&trainer, m.byte_fallback ? 1 : 0);
  PutInt32(&trainer, 40, m.unk_id);
  PutInt32(&trainer, 41, m.bos_id);
  PutInt32(&trainer, 42, m.eos_id);
  PutInt32(&trainer, 43, m.pad_id);
  PutBytes(&out, 2, trainer);
  std::string norm;
  PutBytes(&norm, 1, m.normalizer_name);
  for (auto [field, flag] :
       {std::pair{3u, m.add_dummy_prefix}, std::pair{4u, m.remove_extra_whitespaces},
        std::pair{5u, m.escape_whitespaces}}) {
    PutKey(&norm, field, 0);
    PutVarint(&norm, flag ? 1 : 0);
  }
  PutBytes(&out, 3, norm);
  return out;
}

}  // namespace inferno::convert
