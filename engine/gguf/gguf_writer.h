// Writes GGUF files (version 3, or 2 on request). Used by tests to build valid and
// deliberately corrupt files, and by conversion tools.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/tensor/dtype.h"
#include "engine/util/status.h"

namespace inferno::gguf {

class Writer {
 public:
  explicit Writer(uint32_t version = 3) : version_(version) {}

  void SetAlignment(uint64_t alignment);  // also written as general.alignment
  void AddString(std::string key, std::string_view value);
  void AddBool(std::string key, bool value);
  void AddU8(std::string key, uint8_t value);
  void AddI8(std::string key, int8_t value);
  void AddU16(std::string key, uint16_t value);
  void AddI16(std::string key, int16_t value);
  void AddU32(std::string key, uint32_t value);
  void AddI32(std::string key, int32_t value);
  void AddU64(std::string key, uint64_t value);
  void AddI64(std::string key, int64_t value);
  void AddF32(std::string key, float value);
  void AddF64(std::string key, double value);
  void AddStringArray(std::string key, const std::vector<std::string>& values);
  void AddF32Array(std::string key, const std::vector<float>& values);
  void AddI32Array(std::string key, const std::vector<int32_t>& values);
  // Whether a metadata entry of this key was added (adding it again would replace it).
  bool HasKey(std::string_view key) const;
  // Copies one metadata entry (any type) from a file that is open.
  void CopyValue(std::string key, const Value& value);

  // `data` must hold RowBytes(type, shape[0]) * rows bytes. shape[0] is the row length.
  void AddTensor(std::string name, DType type, std::vector<int64_t> shape,
                 std::vector<uint8_t> data);

  // The whole file image.
  std::vector<uint8_t> Serialize() const;
  Status WriteFile(const std::string& path) const;

  // Streaming output for files larger than memory (model conversion): tensors declared with
  // DeclareTensor carry no data; WriteStreaming writes the header, then asks `produce` for
  // each declared tensor's bytes in declaration order, so only one tensor is held at a time.
  // A produced size that differs from the declared shape/type is an error. Do not mix with
  // AddTensor.
  void DeclareTensor(std::string name, DType type, std::vector<int64_t> shape);
  using TensorProducer = std::function<Status(size_t index, std::vector<uint8_t>* data)>;
  Status WriteStreaming(const std::string& path, const TensorProducer& produce) const;

  // Where things landed in the last Serialize(), for tests that corrupt a valid image.
  struct Layout {
    size_t tensor_count_offset = 0;            // u64
    size_t kv_count_offset = 0;                // u64
    std::vector<size_t> kv_offsets;            // start of each key/value record
    std::vector<size_t> tensor_info_offsets;   // start of each tensor record (its name)
    std::vector<size_t> tensor_offset_fields;  // the u64 data offset of each tensor record
    size_t data_offset = 0;
  };
  const Layout& layout() const { return layout_; }

 private:
  struct Entry {
    std::string key;
    uint32_t type;
    std::vector<uint8_t> payload;  // encoded value (after the type)
  };
  struct Tensor {
    std::string name;
    DType type;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
    size_t bytes = 0;  // declared size (RowBytes * rows), equal to data.size() once added
  };
  void Add(std::string key, ValueType type, std::vector<uint8_t> payload);
  // Header, tensor infos and padding up to the data section; offsets[i] of each tensor.
  std::vector<uint8_t> SerializeHeader(std::vector<uint64_t>* offsets) const;

  uint32_t version_;
  uint64_t alignment_ = 32;
  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
  mutable Layout layout_;
};

}  // namespace inferno::gguf
