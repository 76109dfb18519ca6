// Read-only view of a .safetensors file (mmap): an 8-byte little-endian header length, a
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then
// the tensor bytes. Open() validates the header completely (JSON syntax, every field's type,
// dtype names, shape × element size == extent, offsets inside the file, no overlaps) so that
// every tensor's data pointer is safe to read afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::convert {

enum class StDType { kF32, kF16, kBF16, kOther };

struct StTensor {
  std::string name;
  StDType dtype = StDType::kOther;
  std::string dtype_name;      // as written in the header ("F32", "I64", ...)
  std::vector<int64_t> shape;  // PyTorch order: shape.back() is the contiguous dimension
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  int64_t n_elements = 0;
};

class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<StTensor>& tensors() const { return tensors_; }
  const StTensor* Find(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  Status Parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  std::vector<StTensor> tensors_;
};

// Converts a F32/F16/BF16 tensor to floats (out must hold n_elements); other dtypes are an
// error naming the tensor.
Status TensorToFloat(const std::string& file, const StTensor& t, float* out);

}  // namespace inferno::convert
