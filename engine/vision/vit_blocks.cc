// The shared ViT pieces (see vit_blocks.h). Tensor names and shapes: llama.cpp
// tools/mtmd/clip-impl.h.
#include "engine/vision/vit_blocks.h"

#include <algorithm>
#include <cmath>

#include "engine/model/blocks.h"
#include "engine/ops/attention_f32.h"
#include "engine/tensor/fp16.h"

namespace inferno::vision {

std::string Blk(int l, const char* name) { return "v.blk." + std::to_string(l) + "." + name; }

Status BindPatch(const gguf::File& f, const VisionConfig& c, const std::string& name,
                 ops::WeightMatrix* out) {
  const int64_t p = c.patch_size;
  const gguf::TensorInfo* t = f.FindTensor(name);
  const std::vector<int64_t> want = {p, p, 3, c.n_embd};
  if (t == nullptr || t->shape != want || (t->type != DType::kF16 && t->type != DType::kF32)) {
    return Status::InvalidArgument(f.path() + ": tensor '" + name + "' must be F16 or F32 " +
                                   "of shape " + std::to_string(p) + " x " + std::to_string(p) +
                                   " x 3 x " + std::to_string(c.n_embd));
  }
  const int64_t cols = 3 * p * p;
  *out = ops::WeightMatrix{t->type, c.n_embd, cols, t->data, RowBytes(t->type, cols)};
  return Status::Ok();
}

void BindLayer(TensorBinder& b, const VisionConfig& c, int l, VitLayer& L) {
  const int64_t d = c.n_embd, ff = c.n_ff;
  struct M {
    const char* name;
    int64_t cols, rows;
    ops::WeightMatrix* w;
    std::vector<float>* bias;
  };
  for (const M& m :
       {M{"attn_q", d, d, &L.q, &L.q_b}, M{"attn_k", d, d, &L.k, &L.k_b},
        M{"attn_v", d, d, &L.v, &L.v_b}, M{"attn_out", d, d, &L.o, &L.o_b},
        M{"ffn_up", d, ff, &L.up, &L.up_b}, M{"ffn_down", ff, d, &L.down, &L.down_b}}) {
    b.Matrix(Blk(l, m.name) + ".weight", m.cols, m.rows, m.w);
    b.Vector(Blk(l, m.name) + ".bias", m.rows, m.bias, Need::kOptional);
  }
  b.Matrix(Blk(l, "ffn_gate.weight"), d, ff, &L.gate, Need::kOptional);
  b.Vector(Blk(l, "ffn_gate.bias"), ff, &L.gate_b, Need::kOptional);
  const Need norm_bias = c.rms_norm ? Need::kOptional : Need::kRequired;
  b.Vector(Blk(l, "ln1.weight"), d, &L.ln1_w);
  b.Vector(Blk(l, "ln1.bias"), d, &L.ln1_b, norm_bias);
  b.Vector(Blk(l, "ln2.weight"), d, &L.ln2_w);
  b.Vector(Blk(l, "ln2.bias"), d, &L.ln2_b, norm_bias);
}

void BindNormsAndLayers(TensorBinder& b, const VisionConfig& c, VitWeights* w) {
  const int64_t d = c.n_embd;
  for (auto [name, vec] : {std::pair{"v.pre_ln.weight", &w->pre_w},
                           {"v.pre_ln.bias", &w->pre_b},
                           {"v.post_ln.weight", &w->post_w},
                           {"v.post_ln.bias", &w->post_b}}) {
    b.Vector(name, d, vec, Need::kOptional);
  }
  w->layers.resize(c.n_layer_run);
  for (int l = 0; l < c.n_layer_run; ++l) BindLayer(b, c, l, w->layers[l]);
}

void Linear(ThreadPool& pool, const ops::WeightMatrix& w, const std::vector<float>& bias,
            const float* x, int64_t n, float* y, ops::Activations& scratch) {
  ops::MatMul(pool, w, x, n, y, scratch);
  if (!bias.empty()) blocks::AddBias(y, bias.data(), n, w.rows);
}

void Norm(const VisionConfig& c, const std::vector<float>& w, const std::vector<float>& b,
          const float* x, int64_t n, float* out) {
  const int64_t d = c.n_embd;
  if (!c.rms_norm) {
    const std::vector<float> zeros(b.empty() ? size_t(d) : 0);
    blocks::LayerNorm(x, w.data(), b.empty() ? zeros.data() : b.data(), out, n, d, c.eps);
    return;
  }
  blocks::RmsNorm(x, w.data(), out, n, d, c.eps);
  if (!b.empty()) blocks::AddBias(out, b.data(), n, d);
}

namespace {

// ggml's gelu_quick on the CPU: a table indexed by the F16 input, holding F16 results.
void GeluQuick(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = F16ToF32(F32ToF16(x[i]));
    x[i] = F16ToF32(F32ToF16(v * (1.0f / (1.0f + std::exp(-1.702f * v)))));
  }
}

}  // namespace

void Activate(FfnActivation a, float* x, int64_t n) {
  switch (a) {
    case FfnActivation::kGelu:
      return blocks::Gelu(x, n);
    case FfnActivation::kGeluQuick:
      return GeluQuick(x, n);
    case FfnActivation::kSilu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
      return;
  }
}

void Attend(ThreadPool& pool, const float* q, const float* k, const float* v, int64_t n, int n_head,
            int d, const int32_t* group, float* out) {
  ops::AttentionF32Args a;
  a.q = q, a.k = k, a.v = v, a.n = n, a.n_head = n_head, a.head_dim = d;
  a.scale = 1.0f / std::sqrt(float(d));
  a.group = group, a.out = out;
  ops::AttentionF32(pool, a);
}

std::vector<float> Im2Col(const PixelPlanes& px, int patch) {
  const int cols_x = px.width / patch, rows_y = px.height / patch, w = px.width;
  const size_t plane = size_t(px.width) * px.height, cols = size_t(3) * patch * patch;
  std::vector<float> out(size_t(cols_x) * rows_y * cols);
  for (int py = 0; py < rows_y; ++py) {
    for (int pxi = 0; pxi < cols_x; ++pxi) {
      float* row = &out[(size_t(py) * cols_x + pxi) * cols];
      for (int c = 0; c < 3; ++c) {
        for (int ky = 0; ky < patch; ++ky) {
          const float* src = &px.data[c * plane + size_t(py * patch + ky) * w + pxi * patch];
          std::copy_n(src, patch, row + (size_t(c) * patch + ky) * patch);
        }
      }
    }
  }
  return out;
}

void VitBuffers::Resize(const VisionConfig& c, int64_t n) {
  for (std::vector<float>* buf : {&h, &q, &k, &v, &attn}) buf->resize(n * c.n_embd);
  ff.resize(n * c.n_ff);
}

void SelfAttention(ThreadPool& pool, const VitLayer& L, const VisionConfig& c, int64_t n, float* x,
                   VitBuffers& b, const std::function<void(float* q, float* k)>& rotate,
                   const int32_t* group) {
  const int64_t d = c.n_embd;
  Norm(c, L.ln1_w, L.ln1_b, x, n, b.h.data());
  Linear(pool, L.q, L.q_b, b.h.data(), n, b.q.data(), b.scratch);
  Linear(pool, L.k, L.k_b, b.h.data(), n, b.k.data(), b.scratch);
  Linear(pool, L.v, L.v_b, b.h.data(), n, b.v.data(), b.scratch);
  if (rotate) rotate(b.q.data(), b.k.data());
  Attend(pool, b.q.data(), b.k.data(), b.v.data(), n, c.n_head, int(d / c.n_head), group,
         b.attn.data());
  Linear(pool, L.o, L.o_b, b.attn.data(), n, b.h.data(), b.scratch);
  blocks::Add(x, b.h.data(), n * d);
}

void FeedForward(ThreadPool& pool, const VitLayer& L, const VisionConfig& c, int64_t n, float* x,
                 VitBuffers& b) {
  Norm(c, L.ln2_w, L.ln2_b, x, n, b.h.data());
  Linear(pool, L.up, L.up_b, b.h.data(), n, b.ff.data(), b.scratch);
  if (L.gated()) {  // act(gate) * up, as ggml's swiglu_split / geglu_split
    b.gate.resize(n * c.n_ff);
    Linear(pool, L.gate, L.gate_b, b.h.data(), n, b.gate.data(), b.scratch);
    Activate(c.ffn, b.gate.data(), n * c.n_ff);
    for (int64_t i = 0; i < n * c.n_ff; ++i) b.ff[i] *= b.gate[i];
  } else {
    Activate(c.ffn, b.ff.data(), n * c.n_ff);
  }
  Linear(pool, L.down, L.down_b, b.ff.data(), n, b.h.data(), b.scratch);
  blocks::Add(x, b.h.data(), n * c.n_embd);
}

}  // namespace inferno::vision
