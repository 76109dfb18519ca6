#include "engine/model/tensor_binder.h"

#include "engine/model/family.h"
#include "engine/ops/vec_dot.h"
#include "engine/tensor/dequant.h"

namespace inferno {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A weight type the matmul kernels can multiply: the scalar table has every one of them, and
// the SIMD tables fall back to it.
bool IsMatrixType(DType t) { return ops::ScalarVecDot(t) != nullptr; }

bool IsVectorType(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

}  // namespace

const gguf::TensorInfo* TensorBinder::Check(const std::string& name, std::vector<int64_t> shape,
                                            Need need, bool vector) {
  if (!status_.ok()) return nullptr;
  const gguf::TensorInfo* t = f_.FindTensor(name);
  if (t == nullptr) {
    if (need == Need::kRequired) {
      status_ = Status::NotFound(f_.path() + ": tensor '" + name + "' is missing (expected shape " +
                                 ShapeString(shape) + ")");
    }
    return nullptr;
  }
  std::vector<int64_t> found = t->shape;
  // Trailing dimensions of 1 are equivalent to fewer dimensions.
  while (found.size() > shape.size() && found.back() == 1) found.pop_back();
  if (found != shape) {
    status_ = Status::Corruption(f_.path() + ": tensor '" + name + "': shape " +
                                 ShapeString(t->shape) + ", expected " + ShapeString(shape));
    return nullptr;
  }
  if (!(vector ? IsVectorType(t->type) : IsMatrixType(t->type))) {
    status_ = Status::Unsupported(f_.path() + ": tensor '" + name + "': type " +
                                  std::string(DTypeName(t->type)) + " is not supported here");
    return nullptr;
  }
  return t;
}

void TensorBinder::Matrix(const std::string& name, int64_t cols, int64_t rows,
                          ops::WeightMatrix* out, Need need) {
  const gguf::TensorInfo* t = Check(name, {cols, rows}, need, /*vector=*/false);
  if (t == nullptr) return;
  out->type = t->type;
  out->cols = t->cols();
  out->rows = t->rows();
  out->data = t->data;
  out->row_bytes = RowBytes(t->type, out->cols);
}

void TensorBinder::Vector(const std::string& name, int64_t n, std::vector<float>* out, Need need) {
  const gguf::TensorInfo* t = Check(name, {n}, need, /*vector=*/true);
  if (t == nullptr) return;
  out->resize(t->n_elements);
  DequantizeRow(t->type, t->data, out->data(), t->n_elements);
}

void TensorBinder::Experts(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert,
                           ExpertMatrices* out, Need need) {
  if (!status_.ok()) return;
  // The expert count first: a file made for another count says so rather than "shape".
  if (const gguf::TensorInfo* t = f_.FindTensor(name); t != nullptr && t->shape.size() == 3) {
    Result<ExpertMatrices> m = ViewExperts(f_.path(), *t, cols, rows, n_expert);
    if (!m.ok()) {
      status_ = m.status();
      return;
    }
  }
  const gguf::TensorInfo* t = Check(name, {cols, rows, n_expert}, need, /*vector=*/false);
  if (t == nullptr) return;
  *out = *ViewExperts(f_.path(), *t, cols, rows, n_expert);
}

void TensorBinder::Vector(const std::string& name, std::vector<int64_t> shape,
                          std::vector<float>* out, Need need) {
  const gguf::TensorInfo* t = Check(name, std::move(shape), need, /*vector=*/true);
  if (t == nullptr) return;
  out->resize(t->n_elements);
  DequantizeRow(t->type, t->data, out->data(), t->n_elements);
}

void TensorBinder::Refuse(const std::string& name, const std::string& why) {
  if (status_.ok() && Has(name)) {
    status_ = Status::Unsupported(f_.path() + ": tensor '" + name + "': " + why);
  }
}

std::string LayerTensor(int layer, const char* name) {
  return "blk." + std::to_string(layer) + "." + name;
}

void DeclareEmbeddingAndOutput(TensorBinder& b, const ModelConfig& c, Weights& w) {
  b.Matrix("token_embd.weight", c.n_embd, c.n_vocab, &w.token_embd);
  b.Vector("output_norm.weight", c.n_embd, &w.output_norm);
  if (c.tied_output) {
    w.output = w.token_embd;
  } else {
    b.Matrix("output.weight", c.n_embd, c.n_vocab, &w.output);
  }
}

void DeclareAttention(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L, Need biases) {
  const int64_t q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t k_dim = int64_t{c.n_head_kv} * c.head_dim;
  const int64_t v_dim = int64_t{c.n_head_kv} * c.head_dim_v;
  b.Matrix(LayerTensor(l, "attn_q.weight"), c.n_embd, q_dim, &L.wq);
  b.Matrix(LayerTensor(l, "attn_k.weight"), c.n_embd, k_dim, &L.wk);
  b.Matrix(LayerTensor(l, "attn_v.weight"), c.n_embd, v_dim, &L.wv);
  b.Matrix(LayerTensor(l, "attn_output.weight"), int64_t{c.n_head} * c.head_dim_v, c.n_embd, &L.wo);
  b.Vector(LayerTensor(l, "attn_q.bias"), q_dim, &L.bq, biases);
  b.Vector(LayerTensor(l, "attn_k.bias"), k_dim, &L.bk, biases);
  b.Vector(LayerTensor(l, "attn_v.bias"), v_dim, &L.bv, biases);
}

void DeclareQkNorm(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L) {
  b.Vector(LayerTensor(l, "attn_q_norm.weight"), c.head_dim, &L.q_norm);
  b.Vector(LayerTensor(l, "attn_k_norm.weight"), c.head_dim, &L.k_norm);
}

void DeclareNormsAndGatedFfn(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L) {
  DeclareNorms(b, c, l, L);
  b.Refuse(LayerTensor(l, "ffn_gate_inp.weight"),
           "a mixture-of-experts router, which the '" + c.arch_name + "' family does not have");
  b.Matrix(LayerTensor(l, "ffn_gate.weight"), c.n_embd, c.n_ff, &L.w_gate);
  b.Matrix(LayerTensor(l, "ffn_up.weight"), c.n_embd, c.n_ff, &L.w_up);
  b.Matrix(LayerTensor(l, "ffn_down.weight"), c.n_ff, c.n_embd, &L.w_down);
}

void DeclareRopeFactors(TensorBinder& b, const ModelConfig& c, Weights& w) {
  const int64_t n = c.rope_dim / 2;
  switch (c.rope.factors) {
    case RopeFactorTensors::kNone:
      break;
    case RopeFactorTensors::kFreqs:
      b.Vector("rope_freqs.weight", n, &w.rope_freqs);
      break;
    case RopeFactorTensors::kLongShort:
      b.Vector("rope_factors_long.weight", n, &w.rope_long);
      b.Vector("rope_factors_short.weight", n, &w.rope_short);
      break;
  }
}

void DeclareNorms(TensorBinder& b, const ModelConfig& c, int l, LayerWeights& L) {
  b.Vector(LayerTensor(l, "attn_norm.weight"), c.n_embd, &L.attn_norm);
  b.Vector(LayerTensor(l, "ffn_norm.weight"), c.n_embd, &L.ffn_norm);
}

void DeclareMoe(TensorBinder& b, const ModelConfig& c, int l, MoeWeights& m, Need biases) {
  const int64_t D = c.n_embd, F = c.n_ff_exp, E = c.n_expert;
  b.Matrix(LayerTensor(l, "ffn_gate_inp.weight"), D, E, &m.router);
  b.Experts(LayerTensor(l, "ffn_gate_exps.weight"), D, F, E, &m.gate);
  b.Experts(LayerTensor(l, "ffn_up_exps.weight"), D, F, E, &m.up);
  b.Experts(LayerTensor(l, "ffn_down_exps.weight"), F, D, E, &m.down);
  b.Vector(LayerTensor(l, "ffn_gate_inp.bias"), {E}, &m.router_bias, biases);
  b.Vector(LayerTensor(l, "ffn_gate_exps.bias"), {F, E}, &m.gate_bias, biases);
  b.Vector(LayerTensor(l, "ffn_up_exps.bias"), {F, E}, &m.up_bias, biases);
  b.Vector(LayerTensor(l, "ffn_down_exps.bias"), {D, E}, &m.down_bias, biases);
}

Status DeclareTensors(const gguf::File& file, const ModelConfig& c, Weights& w) {
  TensorBinder b(file);
  w.layers.resize(c.n_layer);
  c.family->tensors(b, c, w);
  // Which factor tensors apply was settled with the config (ReadRopeScaling), for every family.
  DeclareRopeFactors(b, c, w);
  return b.status();
}

}  // namespace inferno
