// Read-only view of a GGUF file (versions 2 and 3), mapped with mmap.
//
// Open() validates the container completely before returning: magic, version, key/tensor
// counts against the file size, every string and array length, value types, tensor dtypes,
// dimensions, offsets, alignment, extents and overlaps. After a successful Open() every
// accessor is safe: tensor data pointers lie inside the mapping, and string_views point
// into it. Architecture-level checks (required tensors, shapes) belong to engine/model.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor/dtype.h"
#include "engine/util/status.h"

namespace inferno::gguf {

enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
std::string_view ValueTypeName(ValueType t);

// One metadata value. Scalars are decoded; arrays keep a pointer into the mapping.
struct Value {
  ValueType type = ValueType::kU8;
  // Scalar payload (by type): integers in i/u (both set when representable), floats in f,
  // bools in u (0/1), strings in str.
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  std::string_view str;
  // Array payload: element type, count, and either raw little-endian element bytes
  // (numeric/bool arrays) or the decoded string views (string arrays).
  ValueType elem_type = ValueType::kU8;
  uint64_t count = 0;
  const uint8_t* raw = nullptr;
  std::vector<std::string_view> strings;

  bool is_integer() const;
  bool is_float() const;
  // Array element access with conversion; index must be < count.
  int64_t IntAt(uint64_t index) const;
  double FloatAt(uint64_t index) const;
};

struct KeyValue {
  std::string_view key;
  Value value;
};

// What identifies a file on disk without reading it: a cache of something derived from the file
// (engine/model/repack_cache.h) is valid only for the same identity.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct TensorInfo {
  std::string_view name;
  DType type = DType::kF32;
  std::vector<int64_t> shape;  // GGUF order: shape[0] is the contiguous (row) dimension.
  uint64_t offset = 0;         // relative to the start of the data section
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  int64_t n_elements = 0;

  int64_t rows() const;  // product of shape[1..]
  int64_t cols() const { return shape.empty() ? 1 : shape[0]; }
};

class File {
 public:
  // Maps and validates `path`. Errors name the file, the field and what was expected.
  static Result<std::unique_ptr<File>> Open(const std::string& path);
  // Validates an in-memory image (used by the fuzzer and tests); `bytes` must outlive the File.
  static Result<std::unique_ptr<File>> FromMemory(std::string name, std::span<const uint8_t> bytes);

  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::string& path() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return size_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }

  const std::vector<KeyValue>& metadata() const { return kvs_; }
  const Value* Find(std::string_view key) const;

  // Typed getters: a missing key or a value of the wrong type is an error naming the key.
  Result<std::string> GetString(std::string_view key) const;
  Result<uint64_t> GetUint(std::string_view key) const;  // any non-negative integer type
  Result<double> GetFloat(std::string_view key) const;   // float or integer types
  Result<bool> GetBool(std::string_view key) const;
  // Optional variants: default when missing, error only when present with a wrong type.
  Result<std::string> GetStringOr(std::string_view key, std::string def) const;
  Result<uint64_t> GetUintOr(std::string_view key, uint64_t def) const;
  Result<double> GetFloatOr(std::string_view key, double def) const;
  Result<bool> GetBoolOr(std::string_view key, bool def) const;
  // Array getters (error when missing or of another element type).
  Result<std::vector<std::string_view>> GetStringArray(std::string_view key) const;
  Result<std::vector<float>> GetFloatArray(std::string_view key) const;
  Result<std::vector<int64_t>> GetIntArray(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* FindTensor(std::string_view name) const;

  // Says that this process no longer needs the bytes [p, p + n) of the mapping (a tensor that
  // was copied elsewhere, e.g. repacked): their whole pages leave the resident set but stay
  // in the page cache, and fault back in from the file if read again. No-op for an in-memory
  // image.
  void Release(const void* p, size_t n) const;

  // The file's identity when it was opened; nullptr for an in-memory image.
  const FileIdentity* identity() const { return mapped_ ? &identity_ : nullptr; }
  // Offset in the file of p, a pointer into it (a tensor's data).
  uint64_t OffsetOf(const void* p) const {
    return uint64_t(static_cast<const uint8_t*>(p) - base_);
  }

 private:
  File() = default;
  Status Parse();

  std::string name_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;
  FileIdentity identity_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> kvs_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace inferno::gguf
