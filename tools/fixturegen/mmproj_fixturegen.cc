// mmproj_fixturegen: a small random-weight mmproj GGUF (the vision encoder + projector file of
// a multimodal model) for the vision parity zoo (tools/zoo/vision.sh). llama.cpp's mtmd, which
// loads the file and computes the oracle embeddings from it, is the independent check that the
// keys, names and shapes written here are what its converter writes.
//
// usage: mmproj_fixturegen --projector gemma3|mlp|qwen2vl_merger|qwen2.5vl_merger --out P.gguf
//          --n-embd-out N [--seed 1] [--image-size 64] [--patch-size 8] [--n-embd 64]
//          [--n-ff 160] [--n-layer 3] [--n-head 4] [--merge 2] [--mlp-hidden 192] [--gelu 0|1]
//          [--wa-pattern 2]
//
// gemma3 (llama.cpp tools/mtmd/models/siglip.cpp): SigLIP ViT (patch conv with bias, learned
// positions, pre-norm layers with biases, post_ln), then merge x merge average pooling over
// the patch grid, RMS norm with mm.soft_emb_norm and mm.input_projection.
// mlp (models/llava.cpp): CLIP ViT with a CLS embedding (v.class_embd), pre_ln, block_count - 1
// layers run, then mm.0 (Linear), GELU, mm.2 (Linear). Quick-GELU in the ViT unless --gelu 1.
// qwen2vl_merger / qwen2.5vl_merger (models/qwen2vl.cpp): two patch kernels, no position
// embeddings (2-D RoPE), LayerNorm + quick-GELU (Qwen2-VL) or RMS norm + SwiGLU with window
// attention every layer but each --wa-pattern-th (Qwen2.5-VL), post_ln, then the 2x2 patch
// merger mm.0 (4 n_embd -> --mlp-hidden), GELU, mm.2. --image-size is only mtmd's warmup size.
// Matrices are F16 as the converter writes them; 1-D tensors and position embeddings F32.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/fp16.h"

namespace inferno {
namespace {

struct Args {
  std::string projector, out;
  int seed = 1, image_size = 64, patch_size = 8, n_embd = 64, n_ff = 160, n_layer = 3;
  int n_head = 4, merge = 2, mlp_hidden = 192, gelu = -1, n_embd_out = 0, wa_pattern = 2;
  bool qwen() const { return projector == "qwen2vl_merger" || projector == "qwen2.5vl_merger"; }
  bool qwen25() const { return projector == "qwen2.5vl_merger"; }
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "mmproj_fixturegen: %s\n", why.c_str());
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  const std::map<std::string, int*> ints = {{"--seed", &a.seed},
                                            {"--image-size", &a.image_size},
                                            {"--patch-size", &a.patch_size},
                                            {"--n-embd", &a.n_embd},
                                            {"--n-ff", &a.n_ff},
                                            {"--n-layer", &a.n_layer},
                                            {"--n-head", &a.n_head},
                                            {"--merge", &a.merge},
                                            {"--mlp-hidden", &a.mlp_hidden},
                                            {"--gelu", &a.gelu},
                                            {"--wa-pattern", &a.wa_pattern},
                                            {"--n-embd-out", &a.n_embd_out}};
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (i + 1 >= argc) Usage("missing value after " + k);
    if (auto it = ints.find(k); it != ints.end()) {
      *it->second = std::atoi(argv[i + 1]);
    } else if (k == "--projector") {
      a.projector = argv[i + 1];
    } else if (k == "--out") {
      a.out = argv[i + 1];
    } else {
      Usage("unknown option " + k);
    }
  }
  if (a.projector != "gemma3" && a.projector != "mlp" && !a.qwen()) {
    Usage("--projector: gemma3, mlp, qwen2vl_merger or qwen2.5vl_merger");
  }
  if (a.out.empty() || a.n_embd_out <= 0) Usage("need --out and --n-embd-out");
  if (a.image_size % a.patch_size != 0) Usage("--image-size must be a multiple of --patch-size");
  if ((a.image_size / a.patch_size) % a.merge != 0) Usage("--merge must divide the patch grid");
  if (a.n_embd % a.n_head != 0) Usage("--n-embd must be a multiple of --n-head");
  if (a.gelu < 0) a.gelu = a.projector == "gemma3" ? 1 : 0;  // SigLIP: GELU; CLIP: quick-GELU
  return a;
}

struct Spec {
  std::vector<int64_t> shape;
  float mean = 0, std = 0;
  bool f32 = false;
};

void AddVitTensors(const Args& a, std::map<std::string, Spec>& t) {
  const int64_t D = a.n_embd, F = a.n_ff, P = a.patch_size;
  const int64_t n_pos = int64_t(a.image_size / P) * (a.image_size / P) + (a.projector == "mlp");
  const float w_in = 1.0f / std::sqrt(float(D)), w_ff = 1.0f / std::sqrt(float(F));
  t["v.patch_embd.weight"] = {{P, P, 3, D}, 0, 1.0f / std::sqrt(float(3 * P * P))};
  if (a.qwen()) {
    t["v.patch_embd.weight.1"] = {{P, P, 3, D}, 0, 1.0f / std::sqrt(float(3 * P * P))};
  } else {
    t["v.position_embd.weight"] = {{D, n_pos}, 0, 0.5f, true};
  }
  for (int l = 0; l < a.n_layer; ++l) {
    const std::string b = "v.blk." + std::to_string(l) + ".";
    for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
      t[b + m + ".weight"] = {{D, D}, 0, w_in};
      t[b + m + ".bias"] = {{D}, 0, 0.1f, true};
    }
    for (const char* n : {"ln1", "ln2"}) {
      t[b + n + ".weight"] = {{D}, 1, 0.1f, true};
      if (!a.qwen25()) t[b + n + ".bias"] = {{D}, 0, 0.1f, true};  // Qwen2.5-VL: RMS norms
    }
    if (a.qwen25()) {  // SwiGLU
      t[b + "ffn_gate.weight"] = {{D, F}, 0, w_in};
      t[b + "ffn_gate.bias"] = {{F}, 0, 0.1f, true};
    }
    t[b + "ffn_up.weight"] = {{D, F}, 0, w_in};
    t[b + "ffn_up.bias"] = {{F}, 0, 0.1f, true};
    t[b + "ffn_down.weight"] = {{F, D}, 0, w_ff};
    t[b + "ffn_down.bias"] = {{D}, 0, 0.1f, true};
  }
}

std::map<std::string, Spec> Tensors(const Args& a) {
  std::map<std::string, Spec> t;
  AddVitTensors(a, t);
  const int64_t D = a.n_embd, H = a.mlp_hidden, O = a.n_embd_out;
  if (a.projector == "gemma3") {
    t["v.patch_embd.bias"] = {{D}, 0, 0.1f, true};
    t["v.post_ln.weight"] = {{D}, 1, 0.1f, true};
    t["v.post_ln.bias"] = {{D}, 0, 0.1f, true};
    t["mm.soft_emb_norm.weight"] = {{D}, 1, 0.1f, true};  // stored as the multiplier (1 + w)
    t["mm.input_projection.weight"] = {{O, D}, 0, 1.0f / std::sqrt(float(D))};
  } else if (a.qwen()) {
    t["v.post_ln.weight"] = {{D}, 1, 0.1f, true};
    if (!a.qwen25()) t["v.post_ln.bias"] = {{D}, 0, 0.1f, true};
    t["mm.0.weight"] = {{4 * D, H}, 0, 1.0f / std::sqrt(float(4 * D))};
    t["mm.0.bias"] = {{H}, 0, 0.1f, true};
    t["mm.2.weight"] = {{H, O}, 0, 1.0f / std::sqrt(float(H))};
    t["mm.2.bias"] = {{O}, 0, 0.1f, true};
  } else {
    t["v.class_embd"] = {{D}, 0, 0.5f, true};
    t["v.pre_ln.weight"] = {{D}, 1, 0.1f, true};
    t["v.pre_ln.bias"] = {{D}, 0, 0.1f, true};
    t["mm.0.weight"] = {{D, H}, 0, 1.0f / std::sqrt(float(D))};
    t["mm.0.bias"] = {{H}, 0, 0.1f, true};
    t["mm.2.weight"] = {{H, O}, 0, 1.0f / std::sqrt(float(H))};
    t["mm.2.bias"] = {{O}, 0, 0.1f, true};
  }
  return t;
}

void AddMetadata(const Args& a, gguf::Writer& w) {
  w.AddString("general.architecture", "clip");
  w.AddString("general.name",
              "inferno-mmproj-fixture-" + a.projector + "-s" + std::to_string(a.seed));
  w.AddU32("general.file_type", 1);
  w.AddBool("clip.has_vision_encoder", true);
  w.AddString("clip.projector_type", a.projector);
  w.AddBool("clip.use_gelu", a.gelu != 0);
  if (a.qwen25()) w.AddBool("clip.use_silu", true);
  w.AddU32("clip.vision.image_size", a.image_size);
  w.AddU32("clip.vision.patch_size", a.patch_size);
  w.AddU32("clip.vision.embedding_length", a.n_embd);
  w.AddU32("clip.vision.feed_forward_length", a.n_ff);
  w.AddU32("clip.vision.block_count", a.n_layer);
  w.AddU32("clip.vision.attention.head_count", a.n_head);
  w.AddF32("clip.vision.attention.layer_norm_epsilon", 1e-6f);
  w.AddU32("clip.vision.projection_dim", a.n_embd_out);
  if (a.qwen()) {
    w.AddU32("clip.vision.spatial_merge_size", 2);
    if (a.qwen25()) w.AddU32("clip.vision.n_wa_pattern", a.wa_pattern);
  }
  if (a.projector == "gemma3") {
    w.AddU32("clip.vision.projector.scale_factor", a.merge);
    w.AddF32Array("clip.vision.image_mean", {0.5f, 0.5f, 0.5f});
    w.AddF32Array("clip.vision.image_std", {0.5f, 0.5f, 0.5f});
  } else {  // OpenAI CLIP's
    w.AddF32Array("clip.vision.image_mean", {0.48145466f, 0.4578275f, 0.40821073f});
    w.AddF32Array("clip.vision.image_std", {0.26862954f, 0.26130258f, 0.27577711f});
  }
}

std::vector<uint8_t> Encode(const std::vector<float>& v, bool f32) {
  std::vector<uint8_t> out(v.size() * (f32 ? 4 : 2));
  for (size_t i = 0; i < v.size(); ++i) {
    if (f32) {
      std::memcpy(out.data() + 4 * i, &v[i], 4);
    } else {
      const uint16_t h = F32ToF16(v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

int Run(const Args& a) {
  gguf::Writer w;
  AddMetadata(a, w);
  std::mt19937_64 rng(a.seed);
  const std::map<std::string, Spec> specs = Tensors(a);
  for (const auto& [name, s] : specs) {  // by name: the same seed gives the same file
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    std::normal_distribution<float> nd(s.mean, s.std);
    for (float& x : v) x = nd(rng);
    w.AddTensor(name, s.f32 ? DType::kF32 : DType::kF16, s.shape, Encode(v, s.f32));
  }
  if (Status st = w.WriteFile(a.out); !st.ok()) Usage(st.message());
  std::printf("%s: projector=%s tensors=%zu\n", a.out.c_str(), a.projector.c_str(), specs.size());
  return 0;
}

}  // namespace
}  // namespace inferno

int main(int argc, char** argv) { return inferno::Run(inferno::Parse(argc, argv)); }
