#include "engine/model/weights.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/tensor/dequant.h"

namespace inferno {
namespace {

ops::WeightMatrix Matrix(const gguf::TensorInfo& t) {
  ops::WeightMatrix m;
  m.type = t.type;
  m.cols = t.cols();
  m.rows = t.rows();
  m.data = t.data;
  m.row_bytes = RowBytes(t.type, m.cols);
  return m;
}

class Binder {
 public:
  explicit Binder(const gguf::File& f) : f_(f) {}

  Status Matrix(const std::string& name, ops::WeightMatrix* out) {
    const gguf::TensorInfo* t = f_.FindTensor(name);
    if (t == nullptr) return Status::NotFound(f_.path() + ": tensor '" + name + "' is missing");
    *out = inferno::Matrix(*t);
    return Status::Ok();
  }

  // Converts a vector tensor to float; a missing optional tensor leaves `out` empty.
  Status Vector(const std::string& name, std::vector<float>* out, bool required = true) {
    const gguf::TensorInfo* t = f_.FindTensor(name);
    if (t == nullptr) {
      if (!required) return Status::Ok();
      return Status::NotFound(f_.path() + ": tensor '" + name + "' is missing");
    }
    out->resize(t->n_elements);
    DequantizeRow(t->type, t->data, out->data(), t->n_elements);
    return Status::Ok();
  }

 private:
  const gguf::File& f_;
};

// Repacks every matrix the kernels prefer in another layout, on all cores (a 1B model has
// ~100 of them), and releases the file pages they were copied from so RSS does not count
// the weights twice.
void RepackForKernels(const gguf::File& f, Weights& w) {
  std::vector<ops::WeightMatrix*> todo;
  auto consider = [&](ops::WeightMatrix& m) {
    if (ops::ShouldRepack(m)) todo.push_back(&m);
  };
  consider(w.output);
  for (LayerWeights& L : w.layers) {
    for (ops::WeightMatrix* m :
         {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) {
      consider(*m);
    }
  }
  // One allocation for all of them: it goes on 2 MiB pages (see AlignedBytes) without
  // rounding each matrix up to a page.
  std::vector<ops::WeightMatrix> packed(todo.size());
  std::vector<size_t> offset(todo.size());
  size_t total = 0;
  for (size_t i = 0; i < todo.size(); ++i) {
    packed[i] = ops::RepackedShape(*todo[i]);
    offset[i] = total;
    total += (ops::R4Bytes(packed[i]) + 63) / 64 * 64;
  }
  w.repacked = ops::AlignedBytes(total);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < todo.size(); i = next++) {
      const ops::WeightMatrix source = *todo[i];
      packed[i].data = w.repacked.data() + offset[i];
      ops::RepackInto(source, packed[i]);
      *todo[i] = packed[i];
      // Also when the output is tied to token_embd: the embedding lookup reads a few rows per
      // token, and those fault back in from the page cache.
      f.Release(source.data, size_t(source.rows) * source.row_bytes);
    }
  };
  std::vector<std::thread> threads;
  const unsigned n =
      std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), todo.size());
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

}  // namespace

Result<Weights> BindWeights(const gguf::File& f, const ModelConfig& c) {
  Binder b(f);
  Weights w;
  INFERNO_RETURN_IF_ERROR(b.Matrix("token_embd.weight", &w.token_embd));
  if (c.tied_output) {
    w.output = w.token_embd;
  } else {
    INFERNO_RETURN_IF_ERROR(b.Matrix("output.weight", &w.output));
  }
  INFERNO_RETURN_IF_ERROR(b.Vector("output_norm.weight", &w.output_norm));
  INFERNO_RETURN_IF_ERROR(b.Vector("rope_freqs.weight", &w.rope_freqs, /*required=*/false));
  w.layers.resize(c.n_layer);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_norm.weight", &L.attn_norm));
    INFERNO_RETURN_IF_ERROR(b.Vector(p + "ffn_norm.weight", &L.ffn_norm));
    INFERNO_RETURN_IF_ERROR(b.Matrix(p + "attn_output.weight", &L.wo));
    INFERNO_RETURN_IF_ERROR(b.Matrix(p + "ffn_down.weight", &L.w_down));
    INFERNO_RETURN_IF_ERROR(b.Matrix(p + "ffn_up.weight", &L.w_up));
    if (c.arch == Arch::kPhi3) {
      INFERNO_RETURN_IF_ERROR(b.Matrix(p + "attn_qkv.weight", &L.wqkv));
    } else {
      INFERNO_RETURN_IF_ERROR(b.Matrix(p + "attn_q.weight", &L.wq));
      INFERNO_RETURN_IF_ERROR(b.Matrix(p + "attn_k.weight", &L.wk));
      INFERNO_RETURN_IF_ERROR(b.Matrix(p + "attn_v.weight", &L.wv));
      INFERNO_RETURN_IF_ERROR(b.Matrix(p + "ffn_gate.weight", &L.w_gate));
    }
    if (c.arch == Arch::kQwen2) {
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_q.bias", &L.bq));
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_k.bias", &L.bk));
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_v.bias", &L.bv));
    }
    if (c.arch == Arch::kGemma3) {
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_q_norm.weight", &L.q_norm));
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "attn_k_norm.weight", &L.k_norm));
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "post_attention_norm.weight", &L.post_attn_norm));
      INFERNO_RETURN_IF_ERROR(b.Vector(p + "post_ffw_norm.weight", &L.post_ffn_norm));
    }
  }
  RepackForKernels(f, w);
  return w;
}

}  // namespace inferno
