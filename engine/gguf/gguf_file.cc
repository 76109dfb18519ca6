#include "engine/gguf/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

#include "engine/util/utf8.h"

namespace inferno::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr int kMaxDims = 4;
constexpr uint64_t kMaxNameBytes = 255;
constexpr uint64_t kMaxAlignment = 1 << 20;

size_t ScalarSize(ValueType t) {
  switch (t) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

bool KnownValueType(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::kF64); }

template <typename T>
T LoadLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Decodes a scalar of type t at p into v (p has ScalarSize(t) readable bytes).
void DecodeScalar(ValueType t, const uint8_t* p, Value* v) {
  switch (t) {
    case ValueType::kU8:
      v->u = p[0];
      v->i = p[0];
      break;
    case ValueType::kI8:
      v->i = static_cast<int8_t>(p[0]);
      break;
    case ValueType::kBool:
      v->u = p[0];
      v->i = p[0];
      break;
    case ValueType::kU16:
      v->u = LoadLe<uint16_t>(p);
      v->i = static_cast<int64_t>(v->u);
      break;
    case ValueType::kI16:
      v->i = LoadLe<int16_t>(p);
      break;
    case ValueType::kU32:
      v->u = LoadLe<uint32_t>(p);
      v->i = static_cast<int64_t>(v->u);
      break;
    case ValueType::kI32:
      v->i = LoadLe<int32_t>(p);
      break;
    case ValueType::kF32:
      v->f = LoadLe<float>(p);
      break;
    case ValueType::kU64:
      v->u = LoadLe<uint64_t>(p);
      v->i = static_cast<int64_t>(v->u);
      break;
    case ValueType::kI64:
      v->i = LoadLe<int64_t>(p);
      break;
    case ValueType::kF64:
      v->f = LoadLe<double>(p);
      break;
    default:
      break;
  }
  if (t == ValueType::kI8 || t == ValueType::kI16 || t == ValueType::kI32 || t == ValueType::kI64) {
    v->u = v->i >= 0 ? static_cast<uint64_t>(v->i) : 0;
  }
}

// Bounds-checked little-endian cursor over the mapped bytes. Every read reports the field
// it was reading so errors say where the file went wrong.
class Cursor {
 public:
  Cursor(const std::string& file, const uint8_t* base, uint64_t size)
      : file_(file), base_(base), size_(size) {}

  const std::string& file() const { return file_; }
  uint64_t size() const { return size_; }
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }
  const uint8_t* here() const { return base_ + pos_; }

  Status Error(const std::string& field, const std::string& what) const {
    return Status::Corruption(file_ + ": " + field + ": " + what + " (at byte " +
                              std::to_string(pos_) + ")");
  }

  Status Need(uint64_t n, const std::string& field) const {
    if (n > remaining()) {
      return Error(field, "needs " + std::to_string(n) + " bytes but only " +
                              std::to_string(remaining()) + " remain before end of file (" +
                              std::to_string(size_) + " bytes); file truncated?");
    }
    return Status::Ok();
  }

  template <typename T>
  Status Read(T* out, const std::string& field) {
    INFERNO_RETURN_IF_ERROR(Need(sizeof(T), field));
    *out = LoadLe<T>(here());
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status ReadString(std::string_view* out, const std::string& field) {
    uint64_t len = 0;
    INFERNO_RETURN_IF_ERROR(Read(&len, field + " length"));
    if (len > remaining()) {
      return Error(field, "string length " + std::to_string(len) + " runs past end of file (" +
                              std::to_string(remaining()) + " bytes remain)");
    }
    *out = std::string_view(reinterpret_cast<const char*>(here()), len);
    pos_ += len;
    return Status::Ok();
  }

  void Skip(uint64_t n) { pos_ += n; }

 private:
  const std::string& file_;
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

std::string Quote(std::string_view s) {
  // Built by append: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(s) + "'".
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  out.append(s);
  out.push_back('\'');
  return out;
}

// The fixed header: magic, version, tensor count, metadata count. The counts are checked
// against the file size before anything is allocated for them.
Status ReadHeader(Cursor& c, uint32_t* version, uint64_t* n_tensors, uint64_t* n_kv) {
  uint32_t magic = 0;
  INFERNO_RETURN_IF_ERROR(c.Read(&magic, "header magic"));
  if (magic != kMagic) {
    uint8_t b[4];  // the file's first four bytes, as read
    std::memcpy(b, &magic, sizeof b);
    char found[16];
    std::snprintf(found, sizeof found, "%02X %02X %02X %02X", b[0], b[1], b[2], b[3]);
    return Status::Corruption(c.file() + ": header magic: expected \"GGUF\" (47 47 55 46), found " +
                              found + "; not a GGUF file");
  }
  INFERNO_RETURN_IF_ERROR(c.Read(version, "header version"));
  if (*version != 2 && *version != 3) {
    // A big-endian file shows its version byte-swapped.
    const bool swapped = *version == 0x02000000 || *version == 0x03000000;
    return Status::Unsupported(c.file() + ": header version: found " + std::to_string(*version) +
                               (swapped ? " (a big-endian GGUF, not supported)" : "") +
                               ", expected 2 or 3");
  }
  INFERNO_RETURN_IF_ERROR(c.Read(n_tensors, "header tensor count"));
  INFERNO_RETURN_IF_ERROR(c.Read(n_kv, "header metadata count"));
  // Each key/value takes at least 13 bytes and each tensor record at least 32, so larger
  // counts cannot fit in the file; checking first keeps allocations bounded by file size.
  if (*n_kv > c.remaining() / 13) {
    return Status::Corruption(c.file() + ": header metadata count: " + std::to_string(*n_kv) +
                              " entries cannot fit in a file of " + std::to_string(c.size()) +
                              " bytes");
  }
  if (*n_tensors > c.remaining() / 32) {
    return Status::Corruption(c.file() + ": header tensor count: " + std::to_string(*n_tensors) +
                              " tensors cannot fit in a file of " + std::to_string(c.size()) +
                              " bytes");
  }
  return Status::Ok();
}

// An array value after its type tag: element type, count, then the elements. String
// elements are decoded to views; numeric and bool elements stay raw bytes in the mapping.
Status ReadArray(Cursor& c, const std::string& field, Value* v) {
  uint32_t elem = 0;
  INFERNO_RETURN_IF_ERROR(c.Read(&elem, field + " array element type"));
  if (!KnownValueType(elem)) {
    return c.Error(field, "unknown array element type " + std::to_string(elem));
  }
  v->elem_type = static_cast<ValueType>(elem);
  if (v->elem_type == ValueType::kArray) return c.Error(field, "nested arrays are not supported");
  INFERNO_RETURN_IF_ERROR(c.Read(&v->count, field + " array length"));
  if (v->elem_type == ValueType::kString) {
    // Each string takes at least its 8-byte length: bounds the resize below by file size.
    if (v->count > c.remaining() / 8) {
      return c.Error(field, "array of " + std::to_string(v->count) +
                                " strings cannot fit in the remaining " +
                                std::to_string(c.remaining()) + " bytes");
    }
    v->strings.resize(v->count);
    for (uint64_t i = 0; i < v->count; ++i) {
      INFERNO_RETURN_IF_ERROR(c.ReadString(&v->strings[i], field + "[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }
  const size_t es = ScalarSize(v->elem_type);
  if (v->count > c.remaining() / es) {
    return c.Error(field, "array of " + std::to_string(v->count) + " " +
                              std::string(ValueTypeName(v->elem_type)) + " runs past end of file");
  }
  v->raw = c.here();
  if (v->elem_type == ValueType::kBool) {
    for (uint64_t i = 0; i < v->count; ++i) {
      if (v->raw[i] > 1) return c.Error(field, "bool array element is neither 0 nor 1");
    }
  }
  c.Skip(v->count * es);
  return Status::Ok();
}

// A value: its type tag, then a string, an array or a scalar.
Status ReadValue(Cursor& c, const std::string& field, Value* v) {
  uint32_t type = 0;
  INFERNO_RETURN_IF_ERROR(c.Read(&type, field + " type"));
  if (!KnownValueType(type)) {
    return c.Error(field, "unknown value type " + std::to_string(type) + " (expected 0..12)");
  }
  v->type = static_cast<ValueType>(type);
  if (v->type == ValueType::kString) {
    INFERNO_RETURN_IF_ERROR(c.ReadString(&v->str, field));
    if (!IsValidUtf8(v->str)) return c.Error(field, "string value is not valid UTF-8");
    return Status::Ok();
  }
  if (v->type == ValueType::kArray) return ReadArray(c, field, v);
  const size_t es = ScalarSize(v->type);
  INFERNO_RETURN_IF_ERROR(c.Need(es, field));
  DecodeScalar(v->type, c.here(), v);
  if (v->type == ValueType::kBool && v->u > 1) return c.Error(field, "bool is neither 0 nor 1");
  c.Skip(es);
  return Status::Ok();
}

// Metadata entry `k`: a non-empty UTF-8 key not seen before (`keys`), then its value.
Status ReadKeyValue(Cursor& c, uint64_t k, std::unordered_set<std::string_view>* keys,
                    KeyValue* kv) {
  const std::string where = "metadata entry " + std::to_string(k);
  INFERNO_RETURN_IF_ERROR(c.ReadString(&kv->key, where + " key"));
  if (kv->key.empty()) return c.Error(where, "empty key");
  if (!IsValidUtf8(kv->key)) return c.Error(where, "key is not valid UTF-8");
  const std::string field = "metadata " + Quote(kv->key);
  if (!keys->insert(kv->key).second) return c.Error(field, "duplicate key");
  return ReadValue(c, field, &kv->value);
}

// general.alignment when present (else `alignment` keeps its default): a power of two up
// to kMaxAlignment.
Status ReadAlignment(const std::string& file, const Value* a, uint64_t* alignment) {
  if (a == nullptr) return Status::Ok();
  if (!a->is_integer() || a->i <= 0) {
    return Status::Corruption(file + ": metadata 'general.alignment': expected a positive integer");
  }
  *alignment = a->u;
  if ((*alignment & (*alignment - 1)) != 0 || *alignment > kMaxAlignment) {
    return Status::Corruption(file + ": metadata 'general.alignment': " +
                              std::to_string(*alignment) + " is not a power of two up to 1 MiB");
  }
  return Status::Ok();
}

// A tensor's dimension count and dimensions, and their product without overflow.
Status ReadShape(Cursor& c, const std::string& field, TensorInfo* ti) {
  uint32_t n_dims = 0;
  INFERNO_RETURN_IF_ERROR(c.Read(&n_dims, field + " dimension count"));
  if (n_dims < 1 || n_dims > kMaxDims) {
    return c.Error(field, "dimension count " + std::to_string(n_dims) + " (expected 1..4)");
  }
  ti->shape.resize(n_dims);
  int64_t n_elements = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    uint64_t ne = 0;
    INFERNO_RETURN_IF_ERROR(c.Read(&ne, field + " dimension " + std::to_string(d)));
    if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return c.Error(field, "dimension " + std::to_string(d) + " is " + std::to_string(ne) +
                                " (expected 1..2^63)");
    }
    if (n_elements > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(ne)) {
      return c.Error(field, "element count overflows 64 bits");
    }
    ti->shape[d] = static_cast<int64_t>(ne);
    n_elements *= static_cast<int64_t>(ne);
  }
  ti->n_elements = n_elements;
  return Status::Ok();
}

// A tensor's storage type: a known weight type whose blocks tile the rows, and a byte size
// that could fit in the file (which also keeps `bytes` from overflowing).
Status ReadTensorType(Cursor& c, const std::string& field, TensorInfo* ti) {
  uint32_t dtype = 0;
  INFERNO_RETURN_IF_ERROR(c.Read(&dtype, field + " type"));
  const DTypeInfo* info = FindDType(dtype);
  if (info == nullptr) {
    const std::string_view name = GgmlTypeName(dtype);
    return c.Error(field, "tensor type " + std::to_string(dtype) +
                              (name.empty() ? " (unknown)" : " (" + std::string(name) + ")") +
                              " is not supported (supported: " + SupportedWeightTypes() + ")");
  }
  if (info->type == DType::kQ8_1 || info->type == DType::kQ8_K) {
    return c.Error(field, "type " + std::string(info->name) + " is not a weight storage type");
  }
  ti->type = info->type;
  if (ti->shape[0] % info->block_size != 0) {
    return c.Error(field, "row length " + std::to_string(ti->shape[0]) +
                              " is not a multiple of the " + std::string(info->name) +
                              " block size " + std::to_string(info->block_size));
  }
  const uint64_t blocks = static_cast<uint64_t>(ti->n_elements / info->block_size);
  if (blocks > c.size() / info->block_bytes + 1) {
    return c.Error(
        field, "tensor of " + std::to_string(ti->n_elements) + " elements is larger than the file");
  }
  ti->bytes = blocks * info->block_bytes;
  return Status::Ok();
}

// Tensor record `t`: a unique non-empty UTF-8 name of at most kMaxNameBytes, its shape, its
// type and an `alignment`-aligned offset into the data section.
Status ReadTensorInfo(Cursor& c, uint64_t t, uint64_t alignment,
                      std::unordered_set<std::string_view>* names, TensorInfo* ti) {
  const std::string where = "tensor " + std::to_string(t);
  INFERNO_RETURN_IF_ERROR(c.ReadString(&ti->name, where + " name"));
  if (ti->name.empty()) return c.Error(where, "empty tensor name");
  if (ti->name.size() > kMaxNameBytes) return c.Error(where, "tensor name longer than 255 bytes");
  if (!IsValidUtf8(ti->name)) return c.Error(where, "tensor name is not valid UTF-8");
  const std::string field = "tensor " + Quote(ti->name);
  if (!names->insert(ti->name).second) return c.Error(field, "duplicate tensor name");
  INFERNO_RETURN_IF_ERROR(ReadShape(c, field, ti));
  INFERNO_RETURN_IF_ERROR(ReadTensorType(c, field, ti));
  INFERNO_RETURN_IF_ERROR(c.Read(&ti->offset, field + " offset"));
  if (ti->offset % alignment != 0) {
    return c.Error(field, "data offset " + std::to_string(ti->offset) + " is not aligned to " +
                              std::to_string(alignment));
  }
  return Status::Ok();
}

// Checks that the data section starting at `data_offset` holds every tensor's bytes and
// points each tensor's `data` into the mapping at `base`.
Status PlaceTensorData(const std::string& file, const uint8_t* base, uint64_t size,
                       uint64_t data_offset, std::vector<TensorInfo>* tensors) {
  if (!tensors->empty() && data_offset > size) {
    return Status::Corruption(file + ": data section: starts at byte " +
                              std::to_string(data_offset) + " past end of file (" +
                              std::to_string(size) + " bytes)");
  }
  const uint64_t data_size = size > data_offset ? size - data_offset : 0;
  for (TensorInfo& ti : *tensors) {
    if (ti.offset > data_size || ti.bytes > data_size - ti.offset) {
      return Status::Corruption(
          file + ": tensor " + Quote(ti.name) + ": data [" + std::to_string(ti.offset) + ", " +
          std::to_string(ti.offset + ti.bytes) + ") extends past the end of the data section (" +
          std::to_string(data_size) + " bytes); file truncated?");
    }
    ti.data = base + data_offset + ti.offset;
  }
  return Status::Ok();
}

// No two tensors' data ranges may share a byte (the records may list them in any order).
Status CheckNoOverlaps(const std::string& file, const std::vector<TensorInfo>& tensors) {
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors.size());
  for (const TensorInfo& ti : tensors) by_offset.push_back(&ti);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo* prev = by_offset[i - 1];
    if (prev->offset + prev->bytes > by_offset[i]->offset) {
      return Status::Corruption(
          file + ": tensor " + Quote(by_offset[i]->name) + ": data at offset " +
          std::to_string(by_offset[i]->offset) + " overlaps tensor " + Quote(prev->name) + " [" +
          std::to_string(prev->offset) + ", " + std::to_string(prev->offset + prev->bytes) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  static constexpr std::string_view kNames[] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                                "i32", "f32", "bool", "string", "array",
                                                "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

bool Value::is_float() const { return type == ValueType::kF32 || type == ValueType::kF64; }

int64_t Value::IntAt(uint64_t index) const {
  Value v;
  DecodeScalar(elem_type, raw + index * ScalarSize(elem_type), &v);
  if (elem_type == ValueType::kF32 || elem_type == ValueType::kF64)
    return static_cast<int64_t>(v.f);
  return v.i;
}

double Value::FloatAt(uint64_t index) const {
  Value v;
  DecodeScalar(elem_type, raw + index * ScalarSize(elem_type), &v);
  if (elem_type == ValueType::kF32 || elem_type == ValueType::kF64) return v.f;
  return static_cast<double>(v.i);
}

int64_t TensorInfo::rows() const {
  int64_t r = 1;
  for (size_t d = 1; d < shape.size(); ++d) r *= shape[d];
  return r;
}

void File::Release(const void* p, size_t n) const {
  if (!mapped_) return;
  const auto page = uintptr_t(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (uintptr_t(p) + page - 1) / page * page;
  const uintptr_t end = (uintptr_t(p) + n) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

File::~File() {
  if (mapped_ && base_ != nullptr) munmap(const_cast<uint8_t*>(base_), size_);
}

Result<std::unique_ptr<File>> File::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IoError(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return Status::Corruption(path + ": file is empty (expected a GGUF header)");
  }
  void* addr = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (addr == MAP_FAILED) return Status::IoError(path + ": mmap failed: " + std::strerror(err));

  std::unique_ptr<File> file(new File());
  file->name_ = path;
  file->base_ = static_cast<const uint8_t*>(addr);
  file->size_ = static_cast<uint64_t>(st.st_size);
  file->mapped_ = true;
  file->identity_ = {uint64_t(st.st_dev), uint64_t(st.st_ino), uint64_t(st.st_size),
                     int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  INFERNO_RETURN_IF_ERROR(file->Parse());
  return file;
}

Result<std::unique_ptr<File>> File::FromMemory(std::string name, std::span<const uint8_t> bytes) {
  std::unique_ptr<File> file(new File());
  file->name_ = std::move(name);
  file->base_ = bytes.data();
  file->size_ = bytes.size();
  if (bytes.empty())
    return Status::Corruption(file->name_ + ": file is empty (expected a GGUF header)");
  INFERNO_RETURN_IF_ERROR(file->Parse());
  return file;
}

// Parse() reads the container in its on-disk order: header, metadata, tensor records, then
// the data section that the records point into. Each step validates what it reads and
// stops at the first error, naming the field and the byte where it was found.
Status File::Parse() {
  Cursor c(name_, base_, size_);
  uint64_t n_tensors = 0, n_kv = 0;
  INFERNO_RETURN_IF_ERROR(ReadHeader(c, &version_, &n_tensors, &n_kv));
  kvs_.reserve(n_kv);
  std::unordered_set<std::string_view> keys;
  for (uint64_t k = 0; k < n_kv; ++k) {
    KeyValue kv;
    INFERNO_RETURN_IF_ERROR(ReadKeyValue(c, k, &keys, &kv));
    kvs_.push_back(std::move(kv));
  }
  // The alignment is metadata, and the tensor records below are checked against it.
  INFERNO_RETURN_IF_ERROR(ReadAlignment(name_, Find("general.alignment"), &alignment_));
  tensors_.reserve(n_tensors);
  std::unordered_set<std::string_view> names;
  for (uint64_t t = 0; t < n_tensors; ++t) {
    TensorInfo ti;
    INFERNO_RETURN_IF_ERROR(ReadTensorInfo(c, t, alignment_, &names, &ti));
    tensors_.push_back(std::move(ti));
  }
  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  INFERNO_RETURN_IF_ERROR(PlaceTensorData(name_, base_, size_, data_offset_, &tensors_));
  return CheckNoOverlaps(name_, tensors_);
}

const Value* File::Find(std::string_view key) const {
  for (const KeyValue& kv : kvs_) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

const TensorInfo* File::FindTensor(std::string_view name) const {
  for (const TensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {
Status Missing(const std::string& file, std::string_view key) {
  return Status::NotFound(file + ": metadata '" + std::string(key) + "' is missing");
}
Status WrongType(const std::string& file, std::string_view key, const Value& v,
                 std::string_view expected) {
  std::string found(ValueTypeName(v.type));
  if (v.type == ValueType::kArray) found += " of " + std::string(ValueTypeName(v.elem_type));
  return Status::Corruption(file + ": metadata '" + std::string(key) + "': expected " +
                            std::string(expected) + ", found " + found);
}
}  // namespace

Result<std::string> File::GetString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  return GetStringOr(key, "");
}

Result<uint64_t> File::GetUint(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  return GetUintOr(key, 0);
}

Result<double> File::GetFloat(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  return GetFloatOr(key, 0);
}

Result<bool> File::GetBool(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  return GetBoolOr(key, false);
}

Result<std::string> File::GetStringOr(std::string_view key, std::string def) const {
  const Value* v = Find(key);
  if (v == nullptr) return def;
  if (v->type != ValueType::kString) return WrongType(name_, key, *v, "string");
  return std::string(v->str);
}

Result<uint64_t> File::GetUintOr(std::string_view key, uint64_t def) const {
  const Value* v = Find(key);
  if (v == nullptr) return def;
  if (!v->is_integer()) return WrongType(name_, key, *v, "an unsigned integer");
  if (v->i < 0 && v->type != ValueType::kU64) {
    return Status::Corruption(name_ + ": metadata '" + std::string(key) + "': value " +
                              std::to_string(v->i) + " is negative, expected >= 0");
  }
  return v->u;
}

Result<double> File::GetFloatOr(std::string_view key, double def) const {
  const Value* v = Find(key);
  if (v == nullptr) return def;
  if (v->is_float()) return v->f;
  if (v->is_integer()) return static_cast<double>(v->i);
  return WrongType(name_, key, *v, "a number");
}

Result<bool> File::GetBoolOr(std::string_view key, bool def) const {
  const Value* v = Find(key);
  if (v == nullptr) return def;
  if (v->type != ValueType::kBool) return WrongType(name_, key, *v, "bool");
  return v->u != 0;
}

Result<std::vector<std::string_view>> File::GetStringArray(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  if (v->type != ValueType::kArray || v->elem_type != ValueType::kString) {
    return WrongType(name_, key, *v, "array of string");
  }
  return v->strings;
}

Result<std::vector<float>> File::GetFloatArray(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  if (v->type != ValueType::kArray || v->elem_type == ValueType::kString ||
      v->elem_type == ValueType::kBool) {
    return WrongType(name_, key, *v, "array of numbers");
  }
  std::vector<float> out(v->count);
  for (uint64_t i = 0; i < v->count; ++i) out[i] = static_cast<float>(v->FloatAt(i));
  return out;
}

Result<std::vector<int64_t>> File::GetIntArray(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return Missing(name_, key);
  if (v->type != ValueType::kArray || v->elem_type == ValueType::kString ||
      v->elem_type == ValueType::kF32 || v->elem_type == ValueType::kF64) {
    return WrongType(name_, key, *v, "array of integers");
  }
  std::vector<int64_t> out(v->count);
  for (uint64_t i = 0; i < v->count; ++i) out[i] = v->IntAt(i);
  return out;
}

}  // namespace inferno::gguf
