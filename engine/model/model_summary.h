// What a model is, read from its GGUF header without touching the weights: the one place that
// counts parameters and names the quantization, for model lists, `inferno models`, benchmark
// reports and the server's /v1/models.
#pragma once

#include <span>
#include <string>

#include "engine/gguf/gguf_file.h"
#include "engine/model/rope_config.h"

namespace inferno {

struct ModelSummary {
  double parameters = 0;  // elements of every tensor
  // Mixture of experts: a token runs through n_expert_used of n_expert experts, so it reads
  // only part of the expert tensors. Dense models: active == parameters, experts 0.
  double active_parameters = 0;
  double active_weight_bytes = 0;  // bytes one decode step reads (embedding: one row)
  int n_expert = 0;
  int n_expert_used = 0;
  std::string dominant_type;    // the tensor type holding the most matrix bytes ("Q4_K"); "none"
  std::string quant;            // general.file_type's name ("Q4_K_M"), else dominant_type
  std::string architecture;     // general.architecture, when the model is usable
  int context_length = 0;       // trained context, when the model is usable
  RopeScaling rope;             // its RoPE base and scaling, when the model is usable
  bool embedding_only = false;  // EmbeddingOnly(): it cannot generate
  std::string error;            // why the model cannot be used (unsupported, inconsistent), or ""
};

ModelSummary SummarizeModel(const gguf::File& file);

// The tensor type holding the most matrix bytes ("Q4_K"), "none" without matrices; also for
// files that are not GGUF models (whisper.cpp's).
std::string DominantType(std::span<const gguf::TensorInfo> tensors);

}  // namespace inferno
