#include "engine/gguf/gguf_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace inferno::gguf {
namespace {

template <typename T>
void Put(std::vector<uint8_t>* out, T v) {
  const size_t at = out->size();
  out->resize(at + sizeof(T));
  std::memcpy(out->data() + at, &v, sizeof(T));
}

void PutString(std::vector<uint8_t>* out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out->insert(out->end(), s.begin(), s.end());
}

template <typename T>
std::vector<uint8_t> Scalar(T v) {
  std::vector<uint8_t> p;
  Put(&p, v);
  return p;
}

}  // namespace

void Writer::Add(std::string key, ValueType type, std::vector<uint8_t> payload) {
  for (Entry& e : entries_) {
    if (e.key == key) {  // replace: keys are unique in a GGUF file
      e.type = uint32_t(type);
      e.payload = std::move(payload);
      return;
    }
  }
  entries_.push_back({std::move(key), uint32_t(type), std::move(payload)});
}

void Writer::SetAlignment(uint64_t alignment) {
  alignment_ = alignment;
  AddU32("general.alignment", uint32_t(alignment));
}

bool Writer::HasKey(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return true;
  }
  return false;
}

void Writer::AddString(std::string key, std::string_view v) {
  std::vector<uint8_t> p;
  PutString(&p, v);
  Add(std::move(key), ValueType::kString, std::move(p));
}
void Writer::AddBool(std::string key, bool v) {
  Add(std::move(key), ValueType::kBool, Scalar<uint8_t>(v));
}
void Writer::AddU8(std::string key, uint8_t v) { Add(std::move(key), ValueType::kU8, Scalar(v)); }
void Writer::AddI8(std::string key, int8_t v) { Add(std::move(key), ValueType::kI8, Scalar(v)); }
void Writer::AddU16(std::string key, uint16_t v) {
  Add(std::move(key), ValueType::kU16, Scalar(v));
}
void Writer::AddI16(std::string key, int16_t v) { Add(std::move(key), ValueType::kI16, Scalar(v)); }
void Writer::AddU32(std::string key, uint32_t v) {
  Add(std::move(key), ValueType::kU32, Scalar(v));
}
void Writer::AddI32(std::string key, int32_t v) { Add(std::move(key), ValueType::kI32, Scalar(v)); }
void Writer::AddU64(std::string key, uint64_t v) {
  Add(std::move(key), ValueType::kU64, Scalar(v));
}
void Writer::AddI64(std::string key, int64_t v) { Add(std::move(key), ValueType::kI64, Scalar(v)); }
void Writer::AddF32(std::string key, float v) { Add(std::move(key), ValueType::kF32, Scalar(v)); }
void Writer::AddF64(std::string key, double v) { Add(std::move(key), ValueType::kF64, Scalar(v)); }

void Writer::AddStringArray(std::string key, const std::vector<std::string>& values) {
  std::vector<uint8_t> p;
  Put<uint32_t>(&p, uint32_t(ValueType::kString));
  Put<uint64_t>(&p, values.size());
  for (const std::string& s : values) PutString(&p, s);
  Add(std::move(key), ValueType::kArray, std::move(p));
}

void Writer::AddF32Array(std::string key, const std::vector<float>& values) {
  std::vector<uint8_t> p;
  Put<uint32_t>(&p, uint32_t(ValueType::kF32));
  Put<uint64_t>(&p, values.size());
  for (float v : values) Put(&p, v);
  Add(std::move(key), ValueType::kArray, std::move(p));
}

void Writer::AddI32Array(std::string key, const std::vector<int32_t>& values) {
  std::vector<uint8_t> p;
  Put<uint32_t>(&p, uint32_t(ValueType::kI32));
  Put<uint64_t>(&p, values.size());
  for (int32_t v : values) Put(&p, v);
  Add(std::move(key), ValueType::kArray, std::move(p));
}

void Writer::CopyValue(std::string key, const Value& v) {
  std::vector<uint8_t> p;
  auto put_scalar = [&](ValueType t, const Value& s, const uint8_t* raw) {
    static const size_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (raw != nullptr) {
      p.insert(p.end(), raw, raw + kSizes[uint32_t(t)]);
      return;
    }
    switch (t) {
      case ValueType::kF32:
        Put(&p, float(s.f));
        break;
      case ValueType::kF64:
        Put(&p, s.f);
        break;
      case ValueType::kU64:
        Put(&p, s.u);
        break;
      case ValueType::kI64:
        Put(&p, s.i);
        break;
      default: {
        const int64_t x = s.i;
        p.insert(p.end(), reinterpret_cast<const uint8_t*>(&x),
                 reinterpret_cast<const uint8_t*>(&x) + kSizes[uint32_t(t)]);
      }
    }
  };
  if (v.type == ValueType::kString) {
    PutString(&p, v.str);
  } else if (v.type == ValueType::kArray) {
    Put<uint32_t>(&p, uint32_t(v.elem_type));
    Put<uint64_t>(&p, v.count);
    if (v.elem_type == ValueType::kString) {
      for (std::string_view s : v.strings) PutString(&p, s);
    } else {
      static const size_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
      p.insert(p.end(), v.raw, v.raw + v.count * kSizes[uint32_t(v.elem_type)]);
    }
  } else {
    put_scalar(v.type, v, nullptr);
  }
  Add(std::move(key), v.type, std::move(p));
}

void Writer::AddTensor(std::string name, DType type, std::vector<int64_t> shape,
                       std::vector<uint8_t> data) {
  const size_t bytes = data.size();
  tensors_.push_back({std::move(name), type, std::move(shape), std::move(data), bytes});
}

void Writer::DeclareTensor(std::string name, DType type, std::vector<int64_t> shape) {
  int64_t rows = 1;
  for (size_t i = 1; i < shape.size(); ++i) rows *= shape[i];
  const size_t bytes = shape.empty() ? 0 : RowBytes(type, shape[0]) * size_t(rows);
  tensors_.push_back({std::move(name), type, std::move(shape), {}, bytes});
}

std::vector<uint8_t> Writer::SerializeHeader(std::vector<uint64_t>* offsets) const {
  std::vector<uint8_t> out;
  layout_ = Layout();
  Put<uint32_t>(&out, 0x46554747);  // "GGUF"
  Put<uint32_t>(&out, version_);
  layout_.tensor_count_offset = out.size();
  Put<uint64_t>(&out, tensors_.size());
  layout_.kv_count_offset = out.size();
  Put<uint64_t>(&out, entries_.size());
  for (const Entry& e : entries_) {
    layout_.kv_offsets.push_back(out.size());
    PutString(&out, e.key);
    Put<uint32_t>(&out, e.type);
    out.insert(out.end(), e.payload.begin(), e.payload.end());
  }
  uint64_t offset = 0;
  offsets->clear();
  for (const Tensor& t : tensors_) {
    layout_.tensor_info_offsets.push_back(out.size());
    PutString(&out, t.name);
    Put<uint32_t>(&out, uint32_t(t.shape.size()));
    for (int64_t d : t.shape) Put<uint64_t>(&out, uint64_t(d));
    Put<uint32_t>(&out, uint32_t(t.type));
    layout_.tensor_offset_fields.push_back(out.size());
    Put<uint64_t>(&out, offset);
    offsets->push_back(offset);
    offset += (t.bytes + alignment_ - 1) / alignment_ * alignment_;
  }
  out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, 0);
  layout_.data_offset = out.size();
  return out;
}

std::vector<uint8_t> Writer::Serialize() const {
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> out = SerializeHeader(&offsets);
  for (size_t i = 0; i < tensors_.size(); ++i) {
    out.resize(layout_.data_offset + offsets[i], 0);
    out.insert(out.end(), tensors_[i].data.begin(), tensors_[i].data.end());
  }
  return out;
}

Status Writer::WriteStreaming(const std::string& path, const TensorProducer& produce) const {
  std::vector<uint64_t> offsets;
  const std::vector<uint8_t> header = SerializeHeader(&offsets);
  // Written to a temporary name and renamed at the end, so that a failed or interrupted
  // conversion never leaves a truncated file that looks like a model.
  const std::string tmp = path + ".part";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IoError(path + ": cannot create " + tmp);
  auto fail = [&](Status s) {
    std::fclose(f);
    std::remove(tmp.c_str());
    return s;
  };
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size()) {
    return fail(Status::IoError(path + ": write failed"));
  }
  uint64_t written = 0;  // bytes of the data section so far
  std::vector<uint8_t> data;
  static const uint8_t kZeros[256] = {};
  for (size_t i = 0; i < tensors_.size(); ++i) {
    while (written < offsets[i]) {
      const size_t n = size_t(std::min<uint64_t>(sizeof kZeros, offsets[i] - written));
      if (std::fwrite(kZeros, 1, n, f) != n) return fail(Status::IoError(path + ": write failed"));
      written += n;
    }
    data.clear();
    Status st = produce(i, &data);
    if (!st.ok()) return fail(st);
    if (data.size() != tensors_[i].bytes) {
      return fail(Status::InvalidArgument(path + ": tensor '" + tensors_[i].name + "': produced " +
                                          std::to_string(data.size()) + " bytes, declared " +
                                          std::to_string(tensors_[i].bytes)));
    }
    if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
      return fail(Status::IoError(path + ": write failed"));
    }
    written += data.size();
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError(path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError(path + ": cannot rename " + tmp);
  }
  return Status::Ok();
}

Status Writer::WriteFile(const std::string& path) const {
  const std::vector<uint8_t> bytes = Serialize();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::IoError(path + ": cannot create");
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!f) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

}  // namespace inferno::gguf
