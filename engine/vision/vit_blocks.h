// The pieces the ViTs of mmproj files share (vit.cc: CLIP / SigLIP; qwen_vit.cc: Qwen-VL), as
// llama.cpp's mtmd computes them (tools/mtmd/clip.cpp build_norm, build_ffn, build_attn):
// tensor binding, the patch convolution as a matmul, linear layers, norms, activations and the
// f32 attention of mtmd's non-flash path.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/tensor_binder.h"
#include "engine/ops/matmul.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/mmproj_config.h"
#include "engine/vision/preprocess.h"
#include "engine/vision/vit.h"

namespace inferno::vision {

// "v.blk.<l>.<name>"
std::string Blk(int l, const char* name);

// A patch convolution kernel `name` (ggml's [patch, patch, 3, n_embd]) as n_embd rows of
// 3 * patch * patch values (channel, row, column).
Status BindPatch(const gguf::File& f, const VisionConfig& c, const std::string& name,
                 ops::WeightMatrix* out);

// Layer l's attention, norms and feed-forward (ffn_gate when the file has it); the norms'
// biases are required unless c.rms_norm.
void BindLayer(TensorBinder& b, const VisionConfig& c, int l, VitLayer& L);

// The optional pre/post norms (v.pre_ln, v.post_ln) and the n_layer_run layers.
void BindNormsAndLayers(TensorBinder& b, const VisionConfig& c, VitWeights* w);

// y = x W^T + b for n rows (b may be empty).
void Linear(ThreadPool& pool, const ops::WeightMatrix& w, const std::vector<float>& bias,
            const float* x, int64_t n, float* y, ops::Activations& scratch);

// LayerNorm, or RMS norm when c.rms_norm, times w plus b (either may be empty), of n rows.
void Norm(const VisionConfig& c, const std::vector<float>& w, const std::vector<float>& b,
          const float* x, int64_t n, float* out);

// The feed-forward activation in place (quick-GELU F16-rounded as ggml's table).
void Activate(FfnActivation a, float* x, int64_t n);

// Attention of every token over the n tokens, per head, in f32 with the softmax sum in double
// (ggml_soft_max_ext): ops::AttentionF32 with scale 1/sqrt(d). q/k/v/out are [n][n_head * d]. With `group` (one id per token), a token
// only sees the tokens of its own group (mtmd's window mask); null: all of them.
void Attend(ThreadPool& pool, const float* q, const float* k, const float* v, int64_t n, int n_head,
            int d, const int32_t* group, float* out);

// The patches of the image as rows of the convolution's input, row-major over the patch grid,
// in the kernel's (channel, row, column) order.
std::vector<float> Im2Col(const PixelPlanes& px, int patch);

// Activation buffers of a ViT pass.
struct VitBuffers {
  std::vector<float> h, q, k, v, attn, ff, gate;
  ops::Activations scratch;
  void Resize(const VisionConfig& c, int64_t n);
};

// The attention half of a pre-norm layer: x += o(attention(q, k, v)) of norm1(x), with
// `rotate` (when set) applied to q and k first and `group` as for Attend.
void SelfAttention(ThreadPool& pool, const VitLayer& L, const VisionConfig& c, int64_t n, float* x,
                   VitBuffers& b, const std::function<void(float* q, float* k)>& rotate,
                   const int32_t* group);

// The feed-forward half of a pre-norm layer: x += down(act(up(norm2(x))) [* gate]).
void FeedForward(ThreadPool& pool, const VitLayer& L, const VisionConfig& c, int64_t n, float* x,
                 VitBuffers& b);

}  // namespace inferno::vision
