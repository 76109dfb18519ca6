// Qwen-VL's ViT (see vit.h), after llama.cpp's tools/mtmd/models/qwen2vl.cpp and the inputs
// clip.cpp sets for it (positions, window index and mask). mtmd reorders the patches so that
// each attention window is contiguous and masks the rest; attention does not depend on the
// order of the keys, so we keep merge order and skip the other windows' keys instead.
#include <algorithm>
#include <cmath>

#include "engine/model/blocks.h"
#include "engine/vision/vit.h"
#include "engine/vision/vit_blocks.h"

namespace inferno::vision {

namespace {

// Where each row of the merge order comes from, and its 2-D RoPE position and window.
struct PatchLayout {
  std::vector<int32_t> source;  // raster index of the patch
  std::vector<int32_t> row, col;
  std::vector<int32_t> window;  // Qwen2.5-VL's attention window, else empty
};

PatchLayout Layout(const VisionConfig& c, int grid_w, int grid_h) {
  PatchLayout l;
  // Windows are window_size pixels square over the merged grid, the last ones cut short.
  const int win = std::max(1, c.window_size / c.patch_size / 2);
  const int windows_per_row = (grid_w / 2 + win - 1) / win;
  for (int by = 0; by < grid_h / 2; ++by) {
    for (int bx = 0; bx < grid_w / 2; ++bx) {
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const int y = 2 * by + dy, x = 2 * bx + dx;
          l.source.push_back(y * grid_w + x);
          l.row.push_back(y);
          l.col.push_back(x);
          if (c.n_wa_pattern > 0) l.window.push_back((by / win) * windows_per_row + bx / win);
        }
      }
    }
  }
  return l;
}

// ggml's rope_multi in vision mode on each head of x[n][n_head * d]: pair (i, i + d/2) turns by
// row * s^i for i < d/4 and col * s^(i - d/4) above, s = 10000^(-4/d), the angles built by
// repeated multiplication as ggml does.
void Rope2D(float* x, int64_t n, int n_head, int d, const PatchLayout& l) {
  const int half = d / 2, quarter = d / 4;
  const float scale = std::pow(10000.0f, -2.0f / float(half));
  std::vector<float> cs(d);
  for (int64_t t = 0; t < n; ++t) {
    float theta_row = float(l.row[t]), theta_col = float(l.col[t]);
    for (int i = 0; i < half; ++i) {
      if (i == quarter) theta_col = float(l.col[t]);  // each axis starts its own section
      const float theta = i < quarter ? theta_row : theta_col;
      cs[2 * i] = std::cos(theta);
      cs[2 * i + 1] = std::sin(theta);
      theta_row *= scale;
      theta_col *= scale;
    }
    for (int h = 0; h < n_head; ++h) {
      float* v = x + (t * n_head + h) * d;
      for (int i = 0; i < half; ++i) {
        const float x0 = v[i], x1 = v[i + half];
        v[i] = x0 * cs[2 * i] - x1 * cs[2 * i + 1];
        v[i + half] = x0 * cs[2 * i + 1] + x1 * cs[2 * i];
      }
    }
  }
}

// Both kernels over the patches, summed, in merge order.
std::vector<float> EmbedPatches(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                                const PixelPlanes& px, const PatchLayout& l, VitBuffers& b) {
  const int64_t d = c.n_embd, n = int64_t(l.source.size());
  const std::vector<float> cols = Im2Col(px, c.patch_size);
  std::vector<float> a(n * d), second(n * d), x(n * d);
  Linear(pool, w.patch, {}, cols.data(), n, a.data(), b.scratch);
  Linear(pool, w.patch_1, {}, cols.data(), n, second.data(), b.scratch);
  blocks::Add(a.data(), second.data(), n * d);
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(&a[int64_t(l.source[i]) * d], d, &x[i * d]);
  }
  return x;
}

}  // namespace

Status BindQwenVit(const gguf::File& f, const VisionConfig& c, VitWeights* w) {
  INFERNO_RETURN_IF_ERROR(BindPatch(f, c, "v.patch_embd.weight", &w->patch));
  INFERNO_RETURN_IF_ERROR(BindPatch(f, c, "v.patch_embd.weight.1", &w->patch_1));
  for (const char* absent : {"v.patch_embd.bias", "v.class_embd"}) {
    if (f.FindTensor(absent) != nullptr) {
      return Status::InvalidArgument(f.path() + ": tensor '" + absent +
                                     "' is not part of a Qwen-VL encoder");
    }
  }
  TensorBinder b(f);
  BindNormsAndLayers(b, c, w);
  return b.status();
}

std::vector<float> RunQwenVit(ThreadPool& pool, const VitWeights& w, const VisionConfig& c,
                              const PixelPlanes& pixels) {
  const PatchLayout l = Layout(c, pixels.width / c.patch_size, pixels.height / c.patch_size);
  const int64_t n = int64_t(l.source.size());
  VitBuffers b;
  std::vector<float> x = EmbedPatches(pool, w, c, pixels, l, b);
  if (!w.pre_w.empty()) Norm(c, w.pre_w, w.pre_b, x.data(), n, x.data());
  b.Resize(c, n);
  const int d_head = c.n_embd / c.n_head;
  auto rotate = [&](float* q, float* k) {
    Rope2D(q, n, c.n_head, d_head, l);
    Rope2D(k, n, c.n_head, d_head, l);
  };
  for (int i = 0; i < int(w.layers.size()); ++i) {
    const bool full = c.n_wa_pattern == 0 || (i + 1) % c.n_wa_pattern == 0;
    SelfAttention(pool, w.layers[size_t(i)], c, n, x.data(), b, rotate,
                  full ? nullptr : l.window.data());
    FeedForward(pool, w.layers[size_t(i)], c, n, x.data(), b);
  }
  if (!w.post_w.empty()) Norm(c, w.post_w, w.post_b, x.data(), n, x.data());
  return x;
}

}  // namespace inferno::vision
