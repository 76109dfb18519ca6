#include "engine/convert/requantize.h"

#include "engine/convert/parallel_rows.h"
#include "engine/convert/quant_mix.h"
#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/dequant.h"
#include "engine/tensor/quantize.h"

namespace inferno::convert {
namespace {

bool IsFloatOrQuant(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || GetDTypeInfo(t).quantized;
}

int LayerOf(std::string_view name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  int v = 0;
  size_t i = 4;
  if (i >= name.size() || name[i] < '0' || name[i] > '9') return -1;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) v = v * 10 + (name[i] - '0');
  return v;
}

}  // namespace

Status QuantizeGguf(const std::string& in_path, const std::string& out_path,
                    const std::string& type, const ProgressFn& progress) {
  Result<FileType> ft = ParseFileType(type);
  if (!ft.ok()) return ft.status();
  Result<std::unique_ptr<gguf::File>> opened = gguf::File::Open(in_path);
  if (!opened.ok()) return opened.status();
  const gguf::File& f = **opened;
  Result<std::string> arch = f.GetString("general.architecture");
  if (!arch.ok()) return arch.status();
  Result<uint64_t> n_layer = f.GetUintOr(*arch + ".block_count", 0);
  if (!n_layer.ok()) return n_layer.status();

  gguf::Writer w;
  if (f.alignment() != 32) w.SetAlignment(f.alignment());
  for (const gguf::KeyValue& kv : f.metadata()) {
    if (kv.key == "general.file_type" || kv.key == "general.quantization_version" ||
        kv.key == "general.alignment") {
      continue;
    }
    w.CopyValue(std::string(kv.key), kv.value);
  }
  w.AddU32("general.file_type", ft->ftype);
  if (GetDTypeInfo(ft->base).quantized) w.AddU32("general.quantization_version", 2);

  const bool has_output = f.FindTensor("output.weight") != nullptr;
  // Head and expert counts for the recipes that depend on them (IQ4_NL/IQ4_XS). A per-layer
  // array of KV heads is not read: such models get the dense default (no attn_v bump).
  auto uint_or_zero = [&](const std::string& key, uint64_t def) {
    Result<uint64_t> v = f.GetUintOr(key, def);
    return v.ok() ? *v : 0;
  };
  const uint64_t n_head = uint_or_zero(*arch + ".attention.head_count", 0);
  const uint64_t n_head_kv = uint_or_zero(*arch + ".attention.head_count_kv", n_head);
  const uint64_t n_expert = uint_or_zero(*arch + ".expert_count", 0);
  std::vector<DType> types;
  uint64_t total = 0;
  for (const gguf::TensorInfo& t : f.tensors()) {
    DType out = t.type;
    if (IsFloatOrQuant(t.type)) {
      TensorRole role{std::string(t.name), t.cols(),      int(t.shape.size()),
                      LayerOf(t.name),     int(*n_layer), has_output};
      // Trailing dimensions of 1 do not make a vector a matrix.
      int dims = int(t.shape.size());
      while (dims > 1 && t.shape[size_t(dims - 1)] == 1) --dims;
      role.n_dims = dims;
      role.n_gqa = n_head_kv > 0 ? int(n_head / n_head_kv) : 1;
      role.n_expert = int(n_expert);
      out = ChooseTensorType(*ft, role);
      // A vector kept in F16/BF16 by its producer can stay as it is.
      if (dims < 2 && (t.type == DType::kF32 || t.type == DType::kF16 || t.type == DType::kBF16)) {
        out = DType::kF32;
      }
    }
    types.push_back(out);
    w.DeclareTensor(std::string(t.name), out, t.shape);
    total += t.bytes;
  }
  uint64_t done = 0;
  auto produce = [&](size_t i, std::vector<uint8_t>* data) -> Status {
    const gguf::TensorInfo& t = f.tensors()[i];
    const DType out = types[i];
    if (out == t.type) {
      data->assign(t.data, t.data + t.bytes);
    } else {
      const int64_t cols = t.cols(), rows = t.rows();
      const size_t in_row = RowBytes(t.type, cols), out_row = RowBytes(out, cols);
      data->resize(out_row * size_t(rows));
      ParallelRows(rows, cols, [&](int64_t begin, int64_t end) {
        std::vector<float> row(static_cast<size_t>(cols));
        for (int64_t r = begin; r < end; ++r) {
          DequantizeRow(t.type, t.data + size_t(r) * in_row, row.data(), cols);
          QuantizeWeightRow(out, row.data(), data->data() + size_t(r) * out_row, cols);
        }
      });
    }
    done += t.bytes;
    if (progress) progress({i + 1, f.tensors().size(), std::string(t.name), out, done, total});
    return Status::Ok();
  };
  return w.WriteStreaming(out_path, produce);
}

}  // namespace inferno::convert
