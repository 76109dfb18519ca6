#include "engine/audio/whisper_layers.h"

#include <algorithm>

#include "engine/model/blocks.h"
#include "engine/ops/attention_f16.h"
#include "engine/ops/f16_row.h"

namespace inferno::audio::internal {

void Linear(ThreadPool& pool, const WhisperLinear& l, const float* x, int64_t n, float* y,
            ops::Activations& scratch) {
  ops::MatMul(pool, l.w, x, n, y, scratch);
  if (!l.b.empty()) blocks::AddBias(y, l.b.data(), n, l.w.rows);
}

void ToF16(const float* x, int64_t count, float scale, std::vector<uint16_t>* out) {
  out->resize(size_t(count));
  if (scale == 1.0f) {
    ops::GetF32ToF16Row()(x, out->data(), count);
    return;
  }
  std::vector<float> scaled(x, x + count);
  for (float& v : scaled) v *= scale;
  ops::GetF32ToF16Row()(scaled.data(), out->data(), count);
}

void Attend(ThreadPool& pool, const AttendArgs& a) {
  // Queries that see the same keys share one kernel call (up to its row limit).
  const int64_t rows = a.causal ? 1 : 16;
  const int64_t chunks = (a.n_q + rows - 1) / rows;
  const int64_t width = int64_t(a.n_head) * a.d;
  const ops::AttentionF16Fn kernel = ops::GetAttentionF16();
  pool.ParallelFor(chunks * a.n_head, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(ops::AttentionF16ScratchFloats(int(rows), a.n_kv, a.d));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t h = item % a.n_head, i0 = (item / a.n_head) * rows;
      ops::AttentionF16Args k;
      k.head_dim = k.head_dim_v = a.d;
      k.n_rows = int(std::min(rows, a.n_q - i0));
      k.q = a.q + i0 * width + h * a.d;
      k.q_stride = k.out_stride = width;
      // Keys and values are F16 rows of the whole width; the kernel strides them in bytes.
      k.k_stride = k.v_stride = width * int64_t(sizeof(uint16_t));
      k.k = reinterpret_cast<const uint8_t*>(a.k + h * a.d);
      k.v = reinterpret_cast<const uint8_t*>(a.v + h * a.d);
      k.n_keys = a.causal ? a.first_pos + int(i0) + 1 : a.n_kv;
      k.scale = a.scale;
      k.out = a.out + i0 * width + h * a.d;
      k.scratch = scratch.data();
      kernel(k);
    }
  });
}

void PreNorm(const std::vector<float>& w, const std::vector<float>& b, const float* x, int64_t n,
             int64_t d, float* h) {
  blocks::LayerNorm(x, w.data(), b.data(), h, n, d, kLayerNormEps);
}

void FeedForward(ThreadPool& pool, const WhisperBlock& B, int64_t n, int64_t d, float* x, float* h,
                 float* ff, ops::Activations& scratch) {
  PreNorm(B.mlp_ln_w, B.mlp_ln_b, x, n, d, h);
  Linear(pool, B.mlp0, h, n, ff, scratch);
  blocks::Gelu(ff, n * B.mlp0.w.rows);
  Linear(pool, B.mlp2, ff, n, h, scratch);
  blocks::Add(x, h, n * d);
}

}  // namespace inferno::audio::internal
