// The ViT forward (see vit.h). Tensor names and shapes: llama.cpp tools/mtmd/clip-impl.h.
#include "engine/vision/vit.h"

#include <cmath>
#include <string>

#include "engine/model/blocks.h"
#include "engine/model/tensor_binder.h"
#include "engine/tensor/fp16.h"

namespace inferno::vision {

namespace {

std::string Blk(int l, const char* name) { return "v.blk." + std::to_string(l) + "." + name; }

// v.patch_embd.weight: ggml's conv kernel [patch, patch, 3, n_embd], i.e. one row of
// 3 * patch * patch values (channel, row, column) per output channel.
Status BindPatch(const gguf::File& f, const VisionConfig& c, ops::WeightMatrix* out) {
  const int64_t p = c.patch_size;
  const gguf::TensorInfo* t = f.FindTensor("v.patch_embd.weight");
  const std::vector<int64_t> want = {p, p, 3, c.n_embd};
  if (t == nullptr || t->shape != want || (t->type != DType::kF16 && t->type != DType::kF32)) {
    return Status::InvalidArgument(f.path() + ": tensor 'v.patch_embd.weight' must be F16 or F32 " +
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
  b.Vector(Blk(l, "ln1.weight"), d, &L.ln1_w);
  b.Vector(Blk(l, "ln1.bias"), d, &L.ln1_b);
  b.Vector(Blk(l, "ln2.weight"), d, &L.ln2_w);
  b.Vector(Blk(l, "ln2.bias"), d, &L.ln2_b);
}

// x = x W^T + b for n rows.
void Linear(ThreadPool& pool, const ops::WeightMatrix& w, const std::vector<float>& bias,
            const float* x, int64_t n, float* y, ops::Activations& scratch) {
  ops::MatMul(pool, w, x, n, y, scratch);
  if (!bias.empty()) blocks::AddBias(y, bias.data(), n, w.rows);
}

// ggml's gelu_quick on the CPU: a table indexed by the F16 input, holding F16 results.
void GeluQuick(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = F16ToF32(F32ToF16(x[i]));
    x[i] = F16ToF32(F32ToF16(v * (1.0f / (1.0f + std::exp(-1.702f * v)))));
  }
}

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

// Bidirectional attention of every token over all n tokens, per head, in f32 with the
// softmax sum in double (ggml_soft_max_ext). q/k/v/out are [n][n_embd], head h in columns
// [h * d, (h + 1) * d).
void Attend(ThreadPool& pool, const float* q, const float* k, const float* v, int64_t n, int n_head,
            int d, float* out) {
  const int64_t width = int64_t(n_head) * d;
  const float scale = 1.0f / std::sqrt(float(d));
  pool.ParallelFor(n * n_head, [&](int64_t begin, int64_t end) {
    std::vector<float> p(n);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t i = item / n_head, h = item % n_head;
      const float* qi = q + i * width + h * d;
      float mx = -INFINITY;
      for (int64_t j = 0; j < n; ++j) {
        const float* kj = k + j * width + h * d;
        float s = 0;
        for (int e = 0; e < d; ++e) s += qi[e] * kj[e];
        p[j] = s * scale;
        mx = std::max(mx, p[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += p[j] = std::exp(p[j] - mx);
      const float inv = float(1.0 / sum);
      float* o = out + i * width + h * d;
      std::fill(o, o + d, 0.0f);
      for (int64_t j = 0; j < n; ++j) {
        const float pj = p[j] * inv;
        const float* vj = v + j * width + h * d;
        for (int e = 0; e < d; ++e) o[e] += pj * vj[e];
      }
    }
  });
}

// The patches as rows of the convolution's input, in the kernel's (channel, row, column) order.
std::vector<float> Im2Col(const PixelPlanes& px, int patch) {
  const int side = px.size / patch, s = px.size;
  const size_t plane = size_t(s) * s, cols = size_t(3) * patch * patch;
  std::vector<float> out(size_t(side) * side * cols);
  for (int py = 0; py < side; ++py) {
    for (int pxi = 0; pxi < side; ++pxi) {
      float* row = &out[(size_t(py) * side + pxi) * cols];
      for (int c = 0; c < 3; ++c) {
        for (int ky = 0; ky < patch; ++ky) {
          const float* src = &px.data[c * plane + size_t(py * patch + ky) * s + pxi * patch];
          std::copy_n(src, patch, row + (size_t(c) * patch + ky) * patch);
        }
      }
    }
  }
  return out;
}

struct Buffers {
  std::vector<float> h, q, k, v, attn, ff;
  ops::Activations scratch;
};

void RunLayer(ThreadPool& pool, const VitLayer& L, const VisionConfig& c, int64_t n, float* x,
              Buffers& b) {
  const int64_t d = c.n_embd;
  blocks::LayerNorm(x, L.ln1_w.data(), L.ln1_b.data(), b.h.data(), n, d, c.eps);
  Linear(pool, L.q, L.q_b, b.h.data(), n, b.q.data(), b.scratch);
  Linear(pool, L.k, L.k_b, b.h.data(), n, b.k.data(), b.scratch);
  Linear(pool, L.v, L.v_b, b.h.data(), n, b.v.data(), b.scratch);
  Attend(pool, b.q.data(), b.k.data(), b.v.data(), n, c.n_head, int(d / c.n_head), b.attn.data());
  Linear(pool, L.o, L.o_b, b.attn.data(), n, b.h.data(), b.scratch);
  blocks::Add(x, b.h.data(), n * d);
  blocks::LayerNorm(x, L.ln2_w.data(), L.ln2_b.data(), b.h.data(), n, d, c.eps);
  Linear(pool, L.up, L.up_b, b.h.data(), n, b.ff.data(), b.scratch);
  Activate(c.ffn, b.ff.data(), n * c.n_ff);
  Linear(pool, L.down, L.down_b, b.ff.data(), n, b.h.data(), b.scratch);
  blocks::Add(x, b.h.data(), n * d);
}

}  // namespace

Status BindVit(const gguf::File& f, const VisionConfig& c, VitWeights* w) {
  INFERNO_RETURN_IF_ERROR(BindPatch(f, c, &w->patch));
  TensorBinder b(f);
  const int64_t d = c.n_embd, n_pos = c.n_patches() + (c.has_class_embd ? 1 : 0);
  b.Vector("v.patch_embd.bias", d, &w->patch_b, Need::kOptional);
  b.Vector("v.position_embd.weight", {d, n_pos}, &w->position);
  if (c.has_class_embd) b.Vector("v.class_embd", d, &w->class_embd);
  for (auto [name, vec] : {std::pair{"v.pre_ln.weight", &w->pre_w},
                           {"v.pre_ln.bias", &w->pre_b},
                           {"v.post_ln.weight", &w->post_w},
                           {"v.post_ln.bias", &w->post_b}}) {
    b.Vector(name, d, vec, Need::kOptional);
  }
  w->layers.resize(c.n_layer_run);
  for (int l = 0; l < c.n_layer_run; ++l) BindLayer(b, c, l, w->layers[l]);
  INFERNO_RETURN_IF_ERROR(b.status());
  if (w->pre_w.size() != w->pre_b.size() || w->post_w.size() != w->post_b.size()) {
    return Status::InvalidArgument(f.path() + ": v.pre_ln / v.post_ln need both weight and bias");
  }
  return Status::Ok();
}

std::vector<float> RunVit(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                          const PixelPlanes& pixels) {
  const int64_t d = c.n_embd, n_patches = c.n_patches();
  const int64_t n = n_patches + (c.has_class_embd ? 1 : 0);
  Buffers b;
  std::vector<float> x(n * d);
  const std::vector<float> cols = Im2Col(pixels, c.patch_size);
  Linear(pool, w.patch, w.patch_b, cols.data(), n_patches, x.data(), b.scratch);
  if (c.has_class_embd) std::copy(w.class_embd.begin(), w.class_embd.end(), &x[n_patches * d]);
  blocks::Add(x.data(), w.position.data(), n * d);
  if (!w.pre_w.empty()) {
    blocks::LayerNorm(x.data(), w.pre_w.data(), w.pre_b.data(), x.data(), n, d, c.eps);
  }
  for (std::vector<float>* buf : {&b.h, &b.q, &b.k, &b.v, &b.attn}) buf->resize(n * d);
  b.ff.resize(n * c.n_ff);
  for (const VitLayer& L : w.layers) RunLayer(pool, L, c, n, x.data(), b);
  if (!w.post_w.empty()) {
    blocks::LayerNorm(x.data(), w.post_w.data(), w.post_b.data(), x.data(), n, d, c.eps);
  }
  // mtmd appends the CLS row after the patches but then skips row 0 when the model has a CLS
  // embedding (clip.cpp, "patches" input: i + 1), so the first patch is dropped and the CLS
  // row kept last. We hand the language model what mtmd hands it.
  if (c.has_class_embd) x.erase(x.begin(), x.begin() + d);
  return x;
}

}  // namespace inferno::vision
