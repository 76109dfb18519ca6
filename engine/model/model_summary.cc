#include "engine/model/model_summary.h"

#include <map>

#include "engine/gguf/file_type.h"
#include "engine/model/model_config.h"
#include "engine/tensor/dtype.h"

namespace inferno {

ModelSummary SummarizeModel(const gguf::File& file) {
  ModelSummary s;
  std::map<DType, uint64_t> matrix_bytes;
  for (const gguf::TensorInfo& t : file.tensors()) {
    s.parameters += double(t.n_elements);
    if (t.shape.size() >= 2) matrix_bytes[t.type] += t.bytes;
  }
  uint64_t most = 0;
  s.dominant_type = "none";
  for (const auto& [type, bytes] : matrix_bytes) {
    if (bytes > most) {
      most = bytes;
      s.dominant_type = DTypeName(type);
    }
  }
  s.quant = s.dominant_type == "none" ? "" : s.dominant_type;
  Result<uint64_t> file_type = file.GetUint("general.file_type");
  if (file_type.ok() && gguf::FileTypeName(*file_type)) s.quant = gguf::FileTypeName(*file_type);
  Result<ModelConfig> config = ReadModelConfig(file);
  if (!config.ok()) {
    s.error = config.status().message();
    return s;
  }
  s.context_length = config->n_ctx_train;
  Result<std::string> arch = file.GetString("general.architecture");
  s.architecture = arch.ok() ? *arch : "";
  return s;
}

}  // namespace inferno
