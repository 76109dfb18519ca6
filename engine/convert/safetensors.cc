#include "engine/convert/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>

#include "engine/tensor/fp16.h"

namespace inferno::convert {
namespace {

// Header sizes beyond this are not real checkpoints (the largest real headers are a few MB)
// and would only make us parse garbage.
constexpr uint64_t kMaxHeader = 256ull << 20;

struct DTypeName {
  const char* name;
  StDType type;
  size_t size;
};
constexpr DTypeName kDTypes[] = {
    {"F32", StDType::kF32, 4},    {"F16", StDType::kF16, 2},       {"BF16", StDType::kBF16, 2},
    {"F64", StDType::kOther, 8},  {"I64", StDType::kOther, 8},     {"U64", StDType::kOther, 8},
    {"I32", StDType::kOther, 4},  {"U32", StDType::kOther, 4},     {"I16", StDType::kOther, 2},
    {"U16", StDType::kOther, 2},  {"I8", StDType::kOther, 1},      {"U8", StDType::kOther, 1},
    {"BOOL", StDType::kOther, 1}, {"F8_E4M3", StDType::kOther, 1}, {"F8_E5M2", StDType::kOther, 1}};

}  // namespace

SafetensorsFile::~SafetensorsFile() {
  if (base_ != nullptr && size_ > 0) munmap(const_cast<uint8_t*>(base_), size_);
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IoError(path + ": not a regular file");
  }
  f->size_ = uint64_t(st.st_size);
  if (f->size_ < 8) {
    ::close(fd);
    return Status::Corruption(path + ": file is " + std::to_string(f->size_) +
                              " bytes, too short for a safetensors header (8-byte length)");
  }
  void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    f->size_ = 0;
    return Status::IoError(path + ": mmap failed (" + std::strerror(errno) + ")");
  }
  f->base_ = static_cast<const uint8_t*>(p);
  INFERNO_RETURN_IF_ERROR(f->Parse());
  return f;
}

Status SafetensorsFile::Parse() {
  uint64_t header_len = 0;
  std::memcpy(&header_len, base_, 8);
  if (header_len > size_ - 8 || header_len > kMaxHeader) {
    return Status::Corruption(path_ + ": header length " + std::to_string(header_len) +
                              " exceeds the file (" + std::to_string(size_) +
                              " bytes): truncated or not a safetensors file");
  }
  const std::string_view text(reinterpret_cast<const char*>(base_ + 8), header_len);
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  if (ec) {
    return Status::Corruption(path_ + ": header is not valid JSON (" + ec.message() + ")");
  }
  if (!root.is_object()) return Status::Corruption(path_ + ": header is not a JSON object");
  const uint8_t* data = base_ + 8 + header_len;
  const uint64_t data_size = size_ - 8 - header_len;
  struct Extent {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Extent> extents;
  for (const auto& kv : root.as_object()) {
    const std::string name(kv.key());
    if (name == "__metadata__") continue;
    const std::string where = path_ + ": tensor '" + name + "': ";
    if (!kv.value().is_object()) return Status::Corruption(where + "entry is not an object");
    const boost::json::object& o = kv.value().as_object();
    const auto* dtype = o.if_contains("dtype");
    const auto* shape = o.if_contains("shape");
    const auto* offsets = o.if_contains("data_offsets");
    if (dtype == nullptr || !dtype->is_string()) {
      return Status::Corruption(where + "'dtype' missing or not a string");
    }
    if (shape == nullptr || !shape->is_array()) {
      return Status::Corruption(where + "'shape' missing or not an array");
    }
    if (offsets == nullptr || !offsets->is_array() || offsets->as_array().size() != 2) {
      return Status::Corruption(where + "'data_offsets' missing or not [begin, end]");
    }
    StTensor t;
    t.name = name;
    t.dtype_name = std::string(dtype->as_string());
    size_t elem = 0;
    for (const DTypeName& d : kDTypes) {
      if (t.dtype_name == d.name) {
        t.dtype = d.type;
        elem = d.size;
      }
    }
    if (elem == 0) return Status::Corruption(where + "unknown dtype '" + t.dtype_name + "'");
    // Element count with overflow checks: any dimension or product beyond 2^48 is garbage.
    uint64_t n = 1;
    if (shape->as_array().size() > 8) return Status::Corruption(where + "more than 8 dimensions");
    for (const auto& d : shape->as_array()) {
      if (!d.is_int64() && !d.is_uint64()) {
        return Status::Corruption(where + "shape entries must be non-negative integers");
      }
      const int64_t v = d.is_int64() ? d.as_int64() : int64_t(d.as_uint64());
      if (v < 0 || uint64_t(v) > (1ull << 48)) {
        return Status::Corruption(where + "dimension " + std::to_string(v) + " out of range");
      }
      t.shape.push_back(v);
      n *= uint64_t(v);
      if (n > (1ull << 48)) return Status::Corruption(where + "too many elements");
    }
    uint64_t be[2];
    for (int i = 0; i < 2; ++i) {
      const auto& v = offsets->as_array()[i];
      if (!(v.is_uint64() || (v.is_int64() && v.as_int64() >= 0))) {
        return Status::Corruption(where + "data_offsets must be non-negative integers");
      }
      be[i] = v.is_uint64() ? v.as_uint64() : uint64_t(v.as_int64());
    }
    if (be[0] > be[1] || be[1] > data_size) {
      return Status::Corruption(where + "data_offsets [" + std::to_string(be[0]) + ", " +
                                std::to_string(be[1]) + "] outside the data section (" +
                                std::to_string(data_size) + " bytes): truncated file?");
    }
    if (be[1] - be[0] != n * elem) {
      return Status::Corruption(where + "data_offsets span " + std::to_string(be[1] - be[0]) +
                                " bytes, but shape and dtype " + t.dtype_name + " need " +
                                std::to_string(n * elem));
    }
    t.n_elements = int64_t(n);
    t.bytes = size_t(n * elem);
    t.data = data + be[0];
    extents.push_back({be[0], be[1], tensors_.size()});
    tensors_.push_back(std::move(t));
  }
  std::sort(extents.begin(), extents.end(),
            [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < extents.size(); ++i) {
    if (extents[i].begin < extents[i - 1].end) {
      return Status::Corruption(path_ + ": tensors '" + tensors_[extents[i - 1].index].name +
                                "' and '" + tensors_[extents[i].index].name + "' overlap");
    }
  }
  return Status::Ok();
}

const StTensor* SafetensorsFile::Find(const std::string& name) const {
  for (const StTensor& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Status TensorToFloat(const std::string& file, const StTensor& t, float* out) {
  const int64_t n = t.n_elements;
  switch (t.dtype) {
    case StDType::kF32:
      std::memcpy(out, t.data, size_t(n) * 4);
      return Status::Ok();
    case StDType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = F16ToF32(h);
      }
      return Status::Ok();
    case StDType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = BF16ToF32(h);
      }
      return Status::Ok();
    default:
      return Status::Unsupported(file + ": tensor '" + t.name + "': dtype " + t.dtype_name +
                                 " is not supported (expected F32, F16 or BF16)");
  }
}

}  // namespace inferno::convert
