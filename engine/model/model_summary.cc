#include "engine/model/model_summary.h"

#include <map>
#include <string_view>

#include "engine/gguf/file_type.h"
#include "engine/model/model_config.h"
#include "engine/tensor/dtype.h"

namespace inferno {

namespace {

// Expert tensors hold all experts along their last dimension (blk.N.ffn_*_exps.*).
bool IsExpertTensor(std::string_view name) { return name.find("_exps.") != std::string::npos; }

// The share of the parameters and of the bytes a decode step actually uses: every tensor
// once, the embedding table one row (unless it doubles as the output projection), the expert
// tensors the used fraction of their experts.
void CountActive(const gguf::File& file, ModelSummary& s) {
  const bool tied = file.FindTensor("output.weight") == nullptr;
  const double used = s.n_expert > 0 ? double(s.n_expert_used) / double(s.n_expert) : 1.0;
  for (const gguf::TensorInfo& t : file.tensors()) {
    const double share = IsExpertTensor(t.name) ? used : 1.0;
    s.active_parameters += double(t.n_elements) * share;
    const bool embedding = t.name == "token_embd.weight";
    if (!embedding || tied) s.active_weight_bytes += double(t.bytes) * share;
  }
}

}  // namespace

std::string DominantType(std::span<const gguf::TensorInfo> tensors) {
  std::map<DType, uint64_t> matrix_bytes;
  for (const gguf::TensorInfo& t : tensors) {
    if (t.shape.size() >= 2) matrix_bytes[t.type] += t.bytes;
  }
  uint64_t most = 0;
  std::string dominant = "none";
  for (const auto& [type, bytes] : matrix_bytes) {
    if (bytes > most) {
      most = bytes;
      dominant = DTypeName(type);
    }
  }
  return dominant;
}

ModelSummary SummarizeModel(const gguf::File& file) {
  ModelSummary s;
  for (const gguf::TensorInfo& t : file.tensors()) s.parameters += double(t.n_elements);
  s.active_parameters = s.parameters;
  s.dominant_type = DominantType(file.tensors());
  s.quant = s.dominant_type == "none" ? "" : s.dominant_type;
  Result<uint64_t> file_type = file.GetUint("general.file_type");
  if (file_type.ok() && gguf::FileTypeName(*file_type)) s.quant = gguf::FileTypeName(*file_type);
  Result<ModelConfig> config = ReadModelConfig(file);
  if (!config.ok()) {
    s.error = config.status().message();
    return s;
  }
  s.context_length = config->n_ctx_train;
  s.rope = config->rope;
  s.n_expert = config->n_expert;
  s.n_expert_used = config->n_expert_used;
  s.embedding_only = EmbeddingOnly(*config);
  s.active_parameters = 0;
  CountActive(file, s);
  Result<std::string> arch = file.GetString("general.architecture");
  s.architecture = arch.ok() ? *arch : "";
  return s;
}

}  // namespace inferno
