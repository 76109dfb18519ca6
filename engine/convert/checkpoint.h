// The tensors of a Hugging Face checkpoint directory: one model.safetensors, shards listed
// by model.safetensors.index.json, or (without an index) every *.safetensors in the folder.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/convert/safetensors.h"
#include "engine/util/status.h"

namespace inferno::convert {

class Checkpoint {
 public:
  static Result<std::unique_ptr<Checkpoint>> Open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  bool Has(const std::string& name) const { return index_.count(name) != 0; }
  // Shape (PyTorch order) of a tensor, or an error naming it when absent.
  Result<std::vector<int64_t>> Shape(const std::string& name) const;
  // The tensor as floats; `want_shape` (PyTorch order) is checked when not empty.
  Status Read(const std::string& name, const std::vector<int64_t>& want_shape,
              std::vector<float>* out) const;
  std::vector<std::string> Names() const;
  // True when every tensor of two or more dimensions is stored as BF16.
  bool AllMatricesBf16() const;
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  struct Entry {
    const SafetensorsFile* file;
    const StTensor* tensor;
  };
  Result<Entry> Find(const std::string& name) const;

  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry> index_;
  uint64_t total_bytes_ = 0;
};

std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace inferno::convert
