// Checks and binds the tensors a family declares. Families call Matrix()/Vector() once per
// tensor with its expected shape; the binder checks presence, shape and type and points the
// weight at the mapped file (matrices) or converts it to float (vectors). The first problem is
// kept and reported by status(); later calls then do nothing, so a family's declaration reads
// as a plain list without error plumbing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/model/moe.h"
#include "engine/model/weights.h"
#include "engine/ops/matmul.h"
#include "engine/util/status.h"

namespace inferno {

enum class Need { kRequired, kOptional };

class TensorBinder {
 public:
  explicit TensorBinder(const gguf::File& file) : f_(file) {}

  // A matrix stored as GGUF shape [cols, rows] with a type the kernels multiply.
  void Matrix(const std::string& name, int64_t cols, int64_t rows, ops::WeightMatrix* out,
              Need need = Need::kRequired);
  // A vector (norm weight, bias, RoPE factors) of n elements, F32/F16/BF16, read as float.
  void Vector(const std::string& name, int64_t n, std::vector<float>* out,
              Need need = Need::kRequired);
  // A 3-D tensor [cols, rows, n_expert] (mixture-of-experts weights) viewed as one matrix per
  // expert (engine/model/moe.h).
  void Experts(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert,
               ExpertMatrices* out, Need need = Need::kRequired);
  // A vector stored with another shape (per-expert biases [n, n_expert]), read as float.
  void Vector(const std::string& name, std::vector<int64_t> shape, std::vector<float>* out,
              Need need = Need::kRequired);
  // A tensor the family does not implement: its presence is refused, naming it and `why`.
  void Refuse(const std::string& name, const std::string& why);

  // Whether the file has a tensor of that name (for layouts chosen by what the file holds).
  bool Has(const std::string& name) const { return f_.FindTensor(name) != nullptr; }

  const Status& status() const { return status_; }

 private:
  const gguf::TensorInfo* Check(const std::string& name, std::vector<int64_t> shape, Need need,
                                bool vector);
  const gguf::File& f_;
  Status status_;
};

// "blk.<layer>.<name>"
std::string LayerTensor(int layer, const char* name);

// The tensors around the layers that every family has: token_embd, output_norm and output
// (absent when tied to token_embd).
void DeclareEmbeddingAndOutput(TensorBinder& b, const ModelConfig& c, Weights& w);

// attn_q/k/v and attn_output of one layer, with optional Q/K/V biases (`biases`: required).
void DeclareAttention(TensorBinder& b, const ModelConfig& c, int layer, LayerWeights& L,
                      Need biases = Need::kOptional);

// attn_q_norm/attn_k_norm: RMSNorm over each head of Q and K (Gemma 3, Qwen 3).
void DeclareQkNorm(TensorBinder& b, const ModelConfig& c, int layer, LayerWeights& L);

// attn_norm, ffn_norm and the gated feed-forward ffn_gate/ffn_up/ffn_down of one layer.
void DeclareNormsAndGatedFfn(TensorBinder& b, const ModelConfig& c, int layer, LayerWeights& L);

// The RoPE factor tensors config.rope.factors names (rope_freqs, or LongRoPE's long and short).
void DeclareRopeFactors(TensorBinder& b, const ModelConfig& c, Weights& w);

// attn_norm and ffn_norm of one layer (for families whose feed-forward is not GatedFfn's).
void DeclareNorms(TensorBinder& b, const ModelConfig& c, int layer, LayerWeights& L);

// The mixture-of-experts feed-forward of one layer: router ffn_gate_inp and the experts
// ffn_{gate,up,down}_exps (c.n_expert of them, c.n_ff_exp wide), with their biases (gpt-oss)
// required or optional as `biases` says.
void DeclareMoe(TensorBinder& b, const ModelConfig& c, int layer, MoeWeights& m,
                Need biases = Need::kOptional);

// Runs the family's declaration and the RoPE factors: checks every tensor and binds it into `w`
// (not repacked).
Status DeclareTensors(const gguf::File& file, const ModelConfig& c, Weights& w);

}  // namespace inferno
